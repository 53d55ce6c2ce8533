package courses

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Period is an ISO 8601 calendar period such as P12M, P1Y, P2W or P90D: how often a
// course recurs. Years and months are calendar units, so they cannot be a time.Duration.
type Period struct {
	Years, Months, Weeks, Days int
}

var periodRE = regexp.MustCompile(`^P(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?$`)

// ParsePeriod parses PnYnMnWnD (each part optional, at least one non-zero, no time part).
func ParsePeriod(s string) (Period, error) {
	m := periodRE.FindStringSubmatch(s)
	if m == nil || s == "P" {
		if strings.Contains(s, "T") {
			return Period{}, fmt.Errorf("period %q has a time part; use whole years, months, weeks or days, like P12M or P90D", s)
		}
		return Period{}, fmt.Errorf("period %q is not an ISO 8601 period like P12M, P1Y, P2W or P90D", s)
	}
	n := make([]int, 4)
	for i, v := range m[1:] {
		if v != "" {
			n[i], _ = strconv.Atoi(v) // the pattern admits only a few digits
		}
	}
	p := Period{Years: n[0], Months: n[1], Weeks: n[2], Days: n[3]}
	if p == (Period{}) {
		return Period{}, fmt.Errorf("period %q is zero", s)
	}
	return p, nil
}

// String returns the period in ISO 8601 form; ParsePeriod reads it back unchanged.
func (p Period) String() string {
	if p == (Period{}) {
		return "P0D"
	}
	var b strings.Builder
	b.WriteString("P")
	for _, part := range []struct {
		n    int
		unit string
	}{{p.Years, "Y"}, {p.Months, "M"}, {p.Weeks, "W"}, {p.Days, "D"}} {
		if part.n != 0 {
			b.WriteString(strconv.Itoa(part.n) + part.unit)
		}
	}
	return b.String()
}

// AddTo returns t plus the period, keeping t's clock time and location. Years and
// months are added first as calendar months, clamping the day to the end of a shorter
// month (31 January + P1M = 28 or 29 February, not 2 or 3 March: a certificate that
// is due "one month later" must not slide into the month after), then weeks and days.
func (p Period) AddTo(t time.Time) time.Time {
	y, m, d := t.Date()
	months := int(m) - 1 + p.Months + 12*p.Years
	y += months / 12
	m = time.Month(months%12 + 1)
	if last := daysIn(y, m); d > last {
		d = last
	}
	hh, mm, ss := t.Clock()
	out := time.Date(y, m, d, hh, mm, ss, t.Nanosecond(), t.Location())
	return out.AddDate(0, 0, 7*p.Weeks+p.Days)
}

func daysIn(y int, m time.Month) int {
	// Day 0 of the next month is the last day of this one.
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

var durationRE = regexp.MustCompile(`^P(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,8})S)?)?$`)

// ParseDuration parses an ISO 8601 duration of fixed length: PnWnDTnHnMnS, such as
// PT1H, PT30M, PT45S or P1D (a day counts as 24 hours). Years and months have no fixed
// length and are rejected.
func ParseDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		if strings.ContainsAny(strings.SplitN(s, "T", 2)[0], "YM") {
			return 0, fmt.Errorf("duration %q uses years or months, which have no fixed length; use days, like P30D", s)
		}
		return 0, fmt.Errorf("duration %q is not an ISO 8601 duration like PT1H, PT30M, PT45S or P1D", s)
	}
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, v := range m[1:] {
		if v != "" {
			n, _ := strconv.Atoi(v) // the pattern admits only a few digits
			d += time.Duration(n) * units[i]
		}
	}
	return d, nil
}

// FormatDuration writes d as an ISO 8601 duration (PT1H30M, P1DT2H, PT0S), for messages
// and for showing authors the value they wrote.
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("P")
	if days := d / (24 * time.Hour); days > 0 {
		b.WriteString(strconv.FormatInt(int64(days), 10) + "D")
		d -= days * 24 * time.Hour
	}
	if d > 0 {
		b.WriteString("T")
		for _, u := range []struct {
			unit time.Duration
			s    string
		}{{time.Hour, "H"}, {time.Minute, "M"}, {time.Second, "S"}} {
			if n := d / u.unit; n > 0 {
				b.WriteString(strconv.FormatInt(int64(n), 10) + u.s)
				d -= n * u.unit
			}
		}
	}
	return b.String()
}
