package config

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
)

// strict checks raw (decoded JSON) against the shape of type t before it is decoded into t, so
// that unknown keys and wrong types are reported with their full key path, all at once.
func strict(path string, raw any, t reflect.Type, add func(path, format string, args ...any)) {
	if t.Kind() == reflect.Pointer {
		if raw == nil {
			return
		}
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			add(path, "want an object, got %s", describe(raw))
			return
		}
		fields := map[string]reflect.StructField{}
		var known []string
		// VisibleFields includes the fields of embedded structs, as encoding/json decodes them.
		for _, f := range reflect.VisibleFields(t) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || f.Anonymous {
				continue
			}
			fields[name] = f
			known = append(known, name)
		}
		slices.Sort(known)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				add(join(path, k), "unknown key; known keys here: %s", strings.Join(known, ", "))
				continue
			}
			strict(join(path, k), m[k], f.Type, add)
		}
	case reflect.Slice:
		list, ok := raw.([]any)
		if !ok {
			add(path, "want a list, got %s", describe(raw))
			return
		}
		for i, v := range list {
			strict(fmt.Sprintf("%s[%d]", path, i), v, t.Elem(), add)
		}
	case reflect.Map:
		m, ok := raw.(map[string]any)
		if !ok {
			add(path, "want an object, got %s", describe(raw))
			return
		}
		for k, v := range m {
			strict(join(path, k), v, t.Elem(), add)
		}
	case reflect.String:
		if _, ok := raw.(string); !ok {
			add(path, "want a string, got %s", describe(raw))
		}
	case reflect.Bool:
		if _, ok := raw.(bool); !ok {
			add(path, "want true or false, got %s", describe(raw))
		}
	case reflect.Int:
		if f, ok := raw.(float64); !ok || f != math.Trunc(f) {
			add(path, "want a whole number, got %s", describe(raw))
		}
	case reflect.Float64:
		if _, ok := raw.(float64); !ok {
			add(path, "want a number, got %s", describe(raw))
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", v)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	default:
		return fmt.Sprint(v)
	}
}
