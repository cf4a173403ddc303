package scaling

import (
	"fmt"
	"strconv"
	"strings"
)

// cronField describes one field of an Application Auto Scaling cron expression.
type cronField struct {
	name    string
	lo, hi  int
	names   []string // symbolic values (JAN, SUN ...), accepted besides the numbers
	special string   // which of ? L W # the field accepts
}

var cronFields = []cronField{
	{name: "minute", lo: 0, hi: 59},
	{name: "hour", lo: 0, hi: 23},
	{name: "day-of-month", lo: 1, hi: 31, special: "?LW"},
	{name: "month", lo: 1, hi: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", lo: 1, hi: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, special: "?L#"},
	{name: "year", lo: 1970, hi: 2199},
}

// ValidateCron checks an Application Auto Scaling cron expression, "cron(minute hour
// day-of-month month day-of-week year)" as in "cron(0 8 * * ? *)", and returns what is wrong with
// it, or nil. Exactly one of day-of-month and day-of-week must be "?".
func ValidateCron(expr string) error {
	inner, ok := strings.CutPrefix(expr, "cron(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	if !ok {
		return fmt.Errorf("must have the form cron(minute hour day-of-month month day-of-week year)")
	}
	fields := strings.Fields(inner)
	if len(fields) != len(cronFields) {
		return fmt.Errorf("has %d fields, want 6 (minute hour day-of-month month day-of-week year)", len(fields))
	}
	for i, f := range cronFields {
		if err := f.check(fields[i]); err != nil {
			return fmt.Errorf("%s %q: %v", f.name, fields[i], err)
		}
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return fmt.Errorf(`exactly one of day-of-month %q and day-of-week %q must be "?"`, fields[2], fields[4])
	}
	return nil
}

func (f cronField) check(s string) error {
	if s == "?" {
		if !strings.Contains(f.special, "?") {
			return fmt.Errorf(`"?" is only allowed in day-of-month and day-of-week`)
		}
		return nil
	}
	for _, item := range strings.Split(s, ",") {
		if err := f.item(item); err != nil {
			return err
		}
	}
	return nil
}

// item checks one comma-separated element: *, n, n-m, with an optional /step, or the field's
// special forms (L, LW, nW for day-of-month; L, nL, n#k for day-of-week).
func (f cronField) item(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty list element")
	case s == "L" && strings.Contains(f.special, "L"):
		return nil
	case f.name == "day-of-month" && (s == "LW" || strings.HasSuffix(s, "W")):
		if s == "LW" {
			return nil
		}
		return f.value(strings.TrimSuffix(s, "W"))
	case f.name == "day-of-week" && strings.HasSuffix(s, "L"):
		return f.value(strings.TrimSuffix(s, "L"))
	case f.name == "day-of-week" && strings.Contains(s, "#"):
		day, nth, _ := strings.Cut(s, "#")
		if err := f.value(day); err != nil {
			return err
		}
		if n, err := strconv.Atoi(nth); err != nil || n < 1 || n > 5 {
			return fmt.Errorf("#%s must be #1 to #5", nth)
		}
		return nil
	}
	base, step, hasStep := strings.Cut(s, "/")
	if hasStep {
		if n, err := strconv.Atoi(step); err != nil || n < 1 {
			return fmt.Errorf("step %q must be a positive integer", step)
		}
	}
	if base == "*" {
		return nil
	}
	lo, hi, isRange := strings.Cut(base, "-")
	if err := f.value(lo); err != nil {
		return err
	}
	if isRange {
		return f.value(hi)
	}
	return nil
}

func (f cronField) value(s string) error {
	for _, n := range f.names {
		if strings.EqualFold(s, n) {
			return nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.lo || n > f.hi {
		if f.names != nil {
			return fmt.Errorf("%q is not %d-%d or %s-%s", s, f.lo, f.hi, f.names[0], f.names[len(f.names)-1])
		}
		return fmt.Errorf("%q is not %d-%d", s, f.lo, f.hi)
	}
	return nil
}
