package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/people"
)

// blockedUntil reads when a throttle key's block ends (zero when it has none).
func blockedUntil(t *testing.T, env *apptest.Env, key string) time.Time {
	t.Helper()
	var until []time.Time
	err := env.DB().NewSelect().Table("sign_in_throttle").Column("blocked_until").Where("key = ?", key).Scan(context.Background(), &until)
	if err != nil {
		t.Fatal(err)
	}
	if len(until) == 0 {
		return time.Time{}
	}
	return until[0]
}

func failures(t *testing.T, env *apptest.Env, key string) int {
	t.Helper()
	var n []int
	if err := env.DB().NewSelect().Table("sign_in_throttle").Column("failures").Where("key = ?", key).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	if len(n) == 0 {
		return 0
	}
	return n[0]
}

func TestRepeatedFailuresBlockAnAccountForAWhileButNeverForever(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		clk := useClock(env)
		p := person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		const key = "account:li.wei@example.com"
		c := env.Client()
		c.Get(t, "/login")
		for i := 1; i <= 4; i++ {
			if r := login(t, c, p.Email, "guess number "+fmt.Sprint(i)); r.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d answered %d, want 401", i, r.Status)
			}
		}

		r := login(t, c, p.Email, apptest.Password)
		if r.Status != http.StatusTooManyRequests {
			t.Fatalf("after four failures the right password answered %d, want 429", r.Status)
		}
		if msg := alertOf(r.Body); msg != "Too many failed attempts. Please wait 1 minute(s) and try again." {
			t.Errorf("blocked sign-in says %q", msg)
		}
		if who := signedInAs(t, c); who != "" {
			t.Fatalf("the right password during a block signed in as %q", who)
		}
		for name, setup := range map[string]func(*apptest.Client){
			"Accept-Language zh-CN": func(c *apptest.Client) {
				c.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
				c.Get(t, "/login")
			},
			"?lang=zh-Hans": func(c *apptest.Client) { c.Get(t, "/login?lang=zh-Hans") },
		} {
			zh := env.Client()
			setup(zh)
			r := login(t, zh, p.Email, apptest.Password)
			if r.Status != http.StatusTooManyRequests || alertOf(r.Body) != "失败次数过多。请等待 1 分钟后再试。" {
				t.Errorf("%s: blocked sign-in answered %d %q", name, r.Status, alertOf(r.Body))
			}
		}

		// An attacker who keeps guessing doubles the block each time...
		clk.Set(blockedUntil(t, env, key).Add(time.Second))
		if r := login(t, c, p.Email, "guess number 5"); r.Status != http.StatusUnauthorized {
			t.Fatalf("a guess after the block ended answered %d, want 401", r.Status)
		}
		if block := blockedUntil(t, env, key).Sub(clk.Now()); block != 2*time.Second {
			t.Errorf("the fifth failure blocks for %v, want 2s", block)
		}
		// ...but after a long attack (fifty failures within the hour) the block is 15 minutes.
		if _, err := env.DB().NewUpdate().Table("sign_in_throttle").Set("failures = 50").Where("key = ?", key).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Set(blockedUntil(t, env, key).Add(time.Second))
		if r := login(t, c, p.Email, "guess number 51"); r.Status != http.StatusUnauthorized {
			t.Fatalf("a guess after the block ended answered %d, want 401", r.Status)
		}
		if block := blockedUntil(t, env, key).Sub(clk.Now()); block != 15*time.Minute {
			t.Errorf("the 51st failure blocks for %v, want the 15-minute cap", block)
		}
		r = login(t, c, p.Email, apptest.Password)
		if msg := alertOf(r.Body); r.Status != http.StatusTooManyRequests || msg != "Too many failed attempts. Please wait 15 minute(s) and try again." {
			t.Errorf("during the longest block the right password answered %d %q", r.Status, msg)
		}
		clk.Advance(15*time.Minute - time.Second)
		if r := login(t, c, p.Email, apptest.Password); r.Status != http.StatusTooManyRequests {
			t.Errorf("a second before the block ends the right password answered %d, want 429", r.Status)
		}

		clk.Advance(2 * time.Second)
		c.SignIn(t, p.Email, apptest.Password)
		if who := signedInAs(t, c); who != "Li Wei" {
			t.Fatalf("after the block the person is not signed in (shows %q)", who)
		}
		if n := failures(t, env, key); n != 0 {
			t.Errorf("a good sign-in left %d failures counted against the account", n)
		}
	})
}

func TestAnotherAccountIsNotBlockedByFailuresOnOne(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	useClock(env)
	person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
	person(t, env, "zhang.min@example.com", "Zhang Min", people.Employee)
	c := env.Client()
	c.Get(t, "/login")
	for range 5 {
		login(t, c, "li.wei@example.com", "wrong password")
	}
	if r := login(t, c, "li.wei@example.com", apptest.Password); r.Status != http.StatusTooManyRequests {
		t.Fatalf("the guessed account answered %d, want 429", r.Status)
	}
	c.SignIn(t, "zhang.min@example.com", apptest.Password)
}

// post sends a sign-in form as a browser with the given form cookie would, without the test
// client's bookkeeping, so goroutines can send at once.
func post(env *apptest.Env, formToken, csrf string, form url.Values) (int, error) {
	form.Set("_csrf", csrf)
	req, _ := http.NewRequest(http.MethodPost, "http://custos.test/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", formCookie+"="+formToken)
	resp, err := env.Server.Fiber.Test(req, int((2 * time.Minute).Milliseconds()))
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// parallelLogins sends one sign-in per email at the same moment, each from its own browser, and
// counts the answers by status.
func parallelLogins(t *testing.T, env *apptest.Env, emails []string, password string) map[int]int {
	t.Helper()
	type browser struct{ formToken, csrf string }
	browsers := make([]browser, len(emails))
	for i := range browsers {
		c := env.Client()
		c.Get(t, "/login")
		browsers[i] = browser{c.Cookie(formCookie), c.CSRF()}
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
		start  = make(chan struct{})
	)
	for i, b := range browsers {
		wg.Go(func() {
			<-start
			status, err := post(env, b.formToken, b.csrf, url.Values{"email": {emails[i]}, "password": {password}})
			if err != nil {
				t.Errorf("sign-in %d: %v", i, err)
				return
			}
			mu.Lock()
			counts[status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return counts
}

func TestParallelFailuresAreAllCounted(t *testing.T) {
	const n = 20
	each(t, func(t *testing.T, env *apptest.Env) {
		useClock(env) // frozen, so no block runs out while the guesses are in flight
		p := person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		const address = "ip:0.0.0.0" // every request of Fiber's test connection comes from there

		t.Run("from one address on many accounts", func(t *testing.T) {
			emails := make([]string, n)
			for i := range emails {
				emails[i] = fmt.Sprintf("guess%02d@example.com", i)
			}
			counts := parallelLogins(t, env, emails, "wrong password")
			if counts[http.StatusUnauthorized] != n {
				t.Errorf("answers %v, want %d × 401", counts, n)
			}
			if got := failures(t, env, address); got != n {
				t.Errorf("the address has %d failures counted, want %d", got, n)
			}
			// One more and the address is blocked, even for a real person's right password.
			parallelLogins(t, env, []string{"one.more@example.com"}, "wrong password")
			if counts := parallelLogins(t, env, []string{p.Email}, apptest.Password); counts[http.StatusTooManyRequests] != 1 {
				t.Errorf("after %d failures from one address a sign-in from it answered %v, want 429", n+1, counts)
			}
		})

		if _, err := env.DB().NewDelete().Table("sign_in_throttle").Where("1 = 1").Exec(context.Background()); err != nil {
			t.Fatal(err)
		}

		t.Run("on one account", func(t *testing.T) {
			emails := make([]string, n)
			for i := range emails {
				emails[i] = p.Email
			}
			counts := parallelLogins(t, env, emails, "wrong password")
			refused, blocked := counts[http.StatusUnauthorized], counts[http.StatusTooManyRequests]
			if refused+blocked != n || refused < 4 {
				t.Fatalf("answers %v, want %d in all, 401 for at least the first four", counts, n)
			}
			// Every guess that reached the password check is counted; blocked ones never got there.
			if got := failures(t, env, "account:"+p.Email); got != refused {
				t.Errorf("the account has %d failures counted, but %d guesses were checked", got, refused)
			}
			if got := failures(t, env, address); got != refused {
				t.Errorf("the address has %d failures counted, but %d guesses were checked", got, refused)
			}
			if got := len(env.AuditEntries(t, "signin.failure")); got != n+1+refused {
				t.Errorf("audit holds %d signin.failure entries, want %d", got, n+1+refused)
			}
		})
		env.VerifyAudit(t)
	})
}
