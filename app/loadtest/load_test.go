package loadtest

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"custos/app/apptest"
	"custos/app/db"
	"custos/app/people"
)

// TestLoadMainPages measures the pages people open most, for one of 10,000 people with the
// built-in courses, against a bare Fiber handler running one SELECT on the same PostgreSQL, each
// page right after its baseline; my training, the page of the performance goal, in three rounds.
func TestLoadMainPages(t *testing.T) {
	loadOnly(t)
	s := newSite(t, "")
	s.crowd(10_000)
	emails := s.people(2)
	in := s.start()
	c, err := signIn("http://"+in.addr, emails[0])
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://" + in.addr)
	var cookies []string
	for _, ck := range c.http.Jar.Cookies(base) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	cookie := strings.Join(cookies, "; ")

	database, err := db.Open(context.Background(), envValue(s.env, "CUSTOS_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close()
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/", func(c *fiber.Ctx) error {
		var p people.Person
		if err := database.NewSelect().Model(&p).Where("email = ?", emails[0]).Scan(c.UserContext()); err != nil {
			return err
		}
		return c.SendString(p.Name)
	})
	bareAddr := apptest.Listen(t, bare)

	baseURL := "http://" + bareAddr + "/"
	t.Logf("%-14s %28s   %24s   %s", "page", "req/s (baseline)", "p99 (baseline)", "share of the baseline")
	for _, page := range []struct {
		name, path, cookie string
		rounds             int
	}{
		{"sign-in page", "/login", "", 1},
		{"my training", "/", cookie, 3},
		{"course page", "/courses/customer-information", cookie, 1},
		{"lesson page", "/courses/customer-information/lessons/3", cookie, 1},
		{"healthz", "/healthz", "", 1},
	} {
		m := apptest.Compare(t, page.rounds, baseURL, "http://"+in.addr+page.path, page.cookie)
		t.Logf("%-14s %12.0f (%8.0f)   %10s (%9s)   %3.0f%% (median of %d)",
			page.name, m.RPS, m.BaseRPS, m.P99, m.BaseP99, 100*m.Ratio(), page.rounds)
	}
}

func envValue(env []string, key string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, key+"="); ok {
			return v
		}
	}
	return ""
}

// TestFaultDatabaseRestart restarts PostgreSQL while clients read and complete lessons: the app
// must recover by itself, and every completion it acknowledged must be stored.
func TestFaultDatabaseRestart(t *testing.T) {
	loadOnly(t)
	s := newSite(t, quickContent(t))
	emails := s.people(8)
	in := s.start()
	acked := make(chan string, 10000)
	ctx, cancel := ctxTimeout(90 * time.Second)
	defer cancel()
	done := make(chan struct{})
	for _, e := range emails {
		go func() {
			defer func() { done <- struct{}{} }()
			c, err := signIn("http://"+in.addr, e)
			if err != nil {
				t.Error(err)
				return
			}
			for n := 1; n <= 20 && ctx.Err() == nil; {
				ok, err := c.readLesson("drill", n)
				if err != nil { // the database is away: retry the same lesson
					time.Sleep(100 * time.Millisecond)
					continue
				}
				if ok {
					acked <- fmt.Sprintf("%s|l%02d", e, n)
				}
				n++
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	time.Sleep(2 * time.Second)
	restartPostgres(t)
	restarted := time.Now()
	if !in.waitReady(60 * time.Second) {
		t.Fatal("the app did not become ready again after the database restart")
	}
	recovery := time.Since(restarted)
	for range emails {
		<-done
	}
	close(acked)
	database, err := db.Open(context.Background(), envValue(s.env, "CUSTOS_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close()
	n, lost := 0, 0
	for a := range acked {
		n++
		email, lesson, _ := strings.Cut(a, "|")
		var count int
		database.NewRaw(`SELECT COUNT(*) FROM lesson_progress lp JOIN assignments a ON a.id = lp.assignment_id
			JOIN people p ON p.id = a.person_id WHERE p.email = ? AND lp.lesson = ?`, email, lesson).Scan(context.Background(), &count)
		if count != 1 {
			lost++
		}
	}
	t.Logf("database restart: ready again %s after the restart finished; %d acknowledged completions checked, %d lost",
		recovery.Round(time.Millisecond), n, lost)
	if lost > 0 {
		t.Errorf("%d acknowledged completions were lost", lost)
	}
	out := s.run("", "audit", "verify")
	t.Log(strings.TrimSpace(out))
}

func restartPostgres(t *testing.T) {
	t.Helper()
	out, err := exec.Command("sh", "-c", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart").CombinedOutput()
	if err != nil {
		t.Fatalf("restart PostgreSQL: %v\n%s", err, out)
	}
}

// TestFaultKilledMidSigning kills the server with SIGKILL while people sign (each signature
// completes a course and issues a certificate in one transaction): afterwards every record is
// whole or absent, never half.
func TestFaultKilledMidSigning(t *testing.T) {
	loadOnly(t)
	s := newSite(t, quickContent(t))
	emails := s.people(30)
	in := s.start()
	clients := make([]*client, len(emails))
	for i, e := range emails {
		c, err := signIn("http://"+in.addr, e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.readLesson("pledge", 1); err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	results := make(chan bool, len(clients))
	for i, c := range clients {
		go func() {
			ok, _ := c.sign(fmt.Sprintf("Load Person %d", i))
			results <- ok
		}()
	}
	// Kill as soon as the first signature is acknowledged: the others are in flight.
	acked, answered := 0, 0
	for acked == 0 && answered < len(clients) {
		if <-results {
			acked++
		}
		answered++
	}
	in.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
	in.cmd.Wait()
	for ; answered < len(clients); answered++ {
		if <-results {
			acked++
		}
	}
	s.start() // a fresh process on the same database
	database, err := db.Open(context.Background(), envValue(s.env, "CUSTOS_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close()
	var signatures, completed, certificates, orphans int
	ctx := context.Background()
	database.NewRaw("SELECT COUNT(*) FROM signatures").Scan(ctx, &signatures)
	database.NewRaw("SELECT COUNT(*) FROM assignments WHERE course = 'pledge' AND completed_at IS NOT NULL").Scan(ctx, &completed)
	database.NewRaw("SELECT COUNT(*) FROM certificates WHERE course = 'pledge'").Scan(ctx, &certificates)
	database.NewRaw(`SELECT COUNT(*) FROM signatures s WHERE NOT EXISTS
		(SELECT 1 FROM certificates c WHERE c.assignment_id = s.assignment_id)`).Scan(ctx, &orphans)
	t.Logf("SIGKILL mid-signing: %d of %d acknowledged before the kill; stored %d signatures, %d completions, %d certificates, %d signatures without certificate",
		acked, len(clients), signatures, completed, certificates, orphans)
	if signatures < acked || signatures != completed || completed != certificates || orphans != 0 {
		t.Errorf("records are not whole: %d acknowledged, %d signatures, %d completions, %d certificates, %d orphans",
			acked, signatures, completed, certificates, orphans)
	}
	t.Log(strings.TrimSpace(s.run("", "audit", "verify")))
}

// TestFaultTwoInstances runs two instances on one database under load at once, with the
// scheduler started on both: nothing may be created twice.
func TestFaultTwoInstances(t *testing.T) {
	loadOnly(t)
	s := newSite(t, quickContent(t))
	emails := s.people(20)
	a, b := s.start(), s.start()
	done := make(chan error, len(emails))
	for i, e := range emails {
		go func() {
			c, err := signIn("http://"+a.addr, e)
			if err != nil {
				done <- err
				return
			}
			for n := 1; n <= 20; n++ {
				if n%2 == 0 {
					c.switchTo("http://" + b.addr)
				} else {
					c.switchTo("http://" + a.addr)
				}
				if _, err := c.readLesson("drill", n); err != nil {
					done <- err
					return
				}
				c.readLesson("drill", n) // a double submit on the other instance
			}
			_, err = c.readLesson("pledge", 1)
			if err == nil {
				_, err = c.sign(fmt.Sprintf("Load Person %d", i))
			}
			done <- err
		}()
	}
	assigns := make(chan string, 2)
	for range 2 {
		go func() { assigns <- s.run("", "assign") }()
	}
	for range emails {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	<-assigns
	<-assigns
	database, err := db.Open(context.Background(), envValue(s.env, "CUSTOS_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close()
	ctx := context.Background()
	checks := map[string]string{
		"duplicate assignments":  "SELECT COUNT(*) FROM (SELECT person_id, course, cycle FROM assignments GROUP BY 1, 2, 3 HAVING COUNT(*) > 1) d",
		"duplicate lessons":      "SELECT COUNT(*) FROM (SELECT assignment_id, lesson FROM lesson_progress GROUP BY 1, 2 HAVING COUNT(*) > 1) d",
		"duplicate certificates": "SELECT COUNT(*) FROM (SELECT assignment_id FROM certificates GROUP BY 1 HAVING COUNT(*) > 1) d",
		"duplicate signatures":   "SELECT COUNT(*) FROM (SELECT assignment_id, version FROM signatures GROUP BY 1, 2 HAVING COUNT(*) > 1) d",
		"duplicate reminders":    "SELECT COUNT(*) FROM (SELECT assignment_id, kind, occurrence FROM reminders WHERE assignment_id IS NOT NULL GROUP BY 1, 2, 3 HAVING COUNT(*) > 1) d",
	}
	for name, q := range checks {
		var n int
		if err := database.NewRaw(q).Scan(ctx, &n); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if n != 0 {
			t.Errorf("%s: %d", name, n)
		}
	}
	var certs, lessons int
	database.NewRaw("SELECT COUNT(*) FROM certificates").Scan(ctx, &certs)
	database.NewRaw("SELECT COUNT(*) FROM lesson_progress").Scan(ctx, &lessons)
	t.Logf("two instances: %d lesson completions and %d certificates for %d people, no duplicates", lessons, certs, len(emails))
	t.Log(strings.TrimSpace(s.run("", "audit", "verify")))
}
