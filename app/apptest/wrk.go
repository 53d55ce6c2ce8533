package apptest

import (
	"cmp"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	wrkRPS = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkP99 = regexp.MustCompile(`\s99%\s+([\d.]+)(us|ms|s)`)
)

// Wrk loads url for 10 s at 64 connections on 2 threads (the load measurements' setting), with
// cookie when it is not "", and returns requests per second and the 99th percentile latency. The
// page must answer 200 first, and every response under load must be 2xx or 3xx: figures of an
// error page, or of a redirect to the sign-in page, would not mean anything.
func Wrk(t testing.TB, url, cookie string) (float64, time.Duration) {
	t.Helper()
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk is not installed (apt-get install wrk)")
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s answered %d before the load, want 200", url, resp.StatusCode)
	}
	args := []string{"-t2", "-c64", "-d10s", "--latency"}
	if cookie != "" {
		args = append(args, "-H", "Cookie: "+cookie)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		t.Fatalf("wrk saw errors on %s:\n%s", url, out)
	}
	rps, _ := strconv.ParseFloat(wrkRPS.FindStringSubmatch(string(out))[1], 64)
	m := wrkP99.FindStringSubmatch(string(out))
	v, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[2]]
	return rps, time.Duration(v * float64(unit))
}

// Measured is one page's load figures beside its baseline's.
type Measured struct {
	RPS, BaseRPS float64
	P99, BaseP99 time.Duration
}

// Ratio is the page's requests per second as a share of the baseline's.
func (m Measured) Ratio() float64 { return m.RPS / m.BaseRPS }

// Compare loads the baseline and then the page, rounds times in turn, so that both see the same
// machine, and returns the round with the median ratio. One pair of 10-second runs on a shared
// two-core machine varies by a tenth either way; the median of three does not hide a page that
// is slow, and is not fooled by one noisy run.
func Compare(t testing.TB, rounds int, baseURL, pageURL, cookie string) Measured {
	t.Helper()
	runs := make([]Measured, rounds)
	for i := range runs {
		runs[i].BaseRPS, runs[i].BaseP99 = Wrk(t, baseURL, "")
		runs[i].RPS, runs[i].P99 = Wrk(t, pageURL, cookie)
	}
	slices.SortFunc(runs, func(a, b Measured) int { return cmp.Compare(a.Ratio(), b.Ratio()) })
	return runs[len(runs)/2]
}
