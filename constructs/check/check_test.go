package check

import (
	"errors"
	"testing"
)

func TestProblems(t *testing.T) {
	c := New("webservice", "prod/Services/Web")
	if c.Err() != nil {
		t.Fatal("a new list has no problem")
	}
	c.Addf("StopTimeout %ds must be >= DeregistrationDelay %ds", 10, 30)
	c.Range("Weight", 1001, 0, 1000)
	c.Range("Base", 5, 0, 10) // in range: no problem
	c.Add(errors.New("scaling \"prod/Services/Web/Target\": MinCapacity must be >= 0, got -1\nscaling \"prod/Services/Web/Target\": MaxCapacity must be >= 1, got 0"))
	c.Add(nil)
	want := `webservice "prod/Services/Web": StopTimeout 10s must be >= DeregistrationDelay 30s
webservice "prod/Services/Web": Weight must be between 0 and 1000, got 1001
scaling "prod/Services/Web/Target": MinCapacity must be >= 0, got -1
scaling "prod/Services/Web/Target": MaxCapacity must be >= 1, got 0`
	if got := c.Err().Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
