package courses

import (
	"strings"
	"testing"
	"time"
)

func TestPeriodAddTo(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		period string
		from   time.Time
		want   time.Time
	}{
		{"adds twelve calendar months", "P12M", day(2026, 1, 31), day(2027, 1, 31)},
		{"clamps 31 January plus a month to the end of February", "P1M", day(2026, 1, 31), day(2026, 2, 28)},
		{"clamps to 29 February in a leap year", "P1M", day(2028, 1, 31), day(2028, 2, 29)},
		{"takes a year from 29 February to 28 February", "P1Y", day(2028, 2, 29), day(2029, 2, 28)},
		{"clamps six months from 31 August", "P6M", day(2026, 8, 31), day(2027, 2, 28)},
		{"crosses a year end by months", "P3M", day(2026, 11, 15), day(2027, 2, 15)},
		{"adds days", "P90D", day(2026, 1, 1), day(2026, 4, 1)},
		{"adds weeks", "P2W", day(2026, 12, 25), day(2027, 1, 8)},
		{"adds months before days", "P1M1D", day(2026, 1, 31), day(2026, 3, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.period)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.AddTo(tt.from); !got.Equal(tt.want) {
				t.Errorf("%s + %s = %s, want %s", tt.from.Format(time.DateOnly), tt.period, got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
			}
		})
	}
	t.Run("keeps the clock time and location", func(t *testing.T) {
		shanghai := time.FixedZone("CST", 8*3600)
		got := Period{Months: 1}.AddTo(time.Date(2026, 3, 15, 10, 30, 5, 7, shanghai))
		if want := time.Date(2026, 4, 15, 10, 30, 5, 7, shanghai); !got.Equal(want) || got.Location() != shanghai {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestParsePeriod(t *testing.T) {
	for _, s := range []string{"P12M", "P6M", "P90D", "P1Y", "P2W", "P1Y6M", "P1M1D"} {
		t.Run("accepts "+s+" and writes it back unchanged", func(t *testing.T) {
			p, err := ParsePeriod(s)
			if err != nil {
				t.Fatal(err)
			}
			if p.String() != s {
				t.Errorf("String() = %s", p.String())
			}
		})
	}
	for _, s := range []string{"", "P", "12M", "P0D", "P0Y0M", "PT1H", "P1DT1H", "P1.5M", "p12m", "P12M ", "P6M1Y", "P99999999Y"} {
		t.Run("rejects "+s, func(t *testing.T) {
			if p, err := ParsePeriod(s); err == nil {
				t.Errorf("got %v", p)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"PT1H", time.Hour},
		{"PT30M", 30 * time.Minute},
		{"PT45S", 45 * time.Second},
		{"P1D", 24 * time.Hour},
		{"P1W", 7 * 24 * time.Hour},
		{"PT1H30M", 90 * time.Minute},
		{"P1DT2H", 26 * time.Hour},
		{"PT0S", 0},
	}
	for _, tt := range tests {
		t.Run("reads "+tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	for _, s := range []string{"", "P", "PT", "1h", "PT1.5H", "P1M", "P1Y", "PT1H30", "pt1h", "P1DT"} {
		t.Run("rejects "+s, func(t *testing.T) {
			if d, err := ParseDuration(s); err == nil {
				t.Errorf("got %v", d)
			}
		})
	}
	t.Run("says why years and months are refused", func(t *testing.T) {
		if _, err := ParseDuration("P1M"); err == nil || !strings.Contains(err.Error(), "no fixed length") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "PT0S", time.Hour: "PT1H", 90 * time.Second: "PT1M30S", 26 * time.Hour: "P1DT2H", 48 * time.Hour: "P2D"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %s, want %s", d, got, want)
		}
		if back, err := ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Errorf("%v does not round-trip: %v %v", d, back, err)
		}
	}
}
