package apptest

import (
	"net/http"
	"os/exec"
	"regexp"
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
