package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/api"
	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/people"
)

// FuzzPutUser sends arbitrary addresses and JSON bodies to PUT /api/v1/users/{email}, the HR
// sync, with an admin's token, through the whole server on SQLite. The answer is never a server
// error, always JSON; a person it says it stored has a valid address and a name, and is stored
// as answered.
//
//	go test -run='^$' -fuzz='^FuzzPutUser$' -fuzztime=10s ./app/api/
func FuzzPutUser(f *testing.F) {
	env := apptest.New(f, dbtest.SQLiteURL(f))
	env.Server.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	admin := env.MustCreatePerson(f, "admin@example.com", "Ada Admin", people.Admin, "")
	env.MustCreatePerson(f, "boss@example.com", "Bo Boss", people.Manager, "")
	var token string
	err := env.DB().RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		_, token, err = api.CreateToken(ctx, tx, admin.ID, "fuzz", env.App.Now())
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct{ email, body string }{
		{"ann@example.com", `{"name":"Ann","department":"Sales","manager_email":"boss@example.com","role":"employee","locale":"en","time_zone":"Asia/Shanghai","hired_on":"2024-01-02","active":true}`},
		{"ann@example.com", `{"left_on":"2020-01-01","hired_on":"2024-01-02"}`},
		{"boss@example.com", `{"manager_email":"boss@example.com"}`},
		{"new@example.com", `{}`},
		{"x", `{"name":"X"}`},
		{"ann@example.com", `{"name":"A\u0000nn","department":"\ud800"}`},
		{"ann@example.com", `{"name":"Ann","manager_email":"\u0000@example.com"}`},
		{"ann@example.com", `{"name":"Ann","role":"root","unknown":1}`},
		{"ann@example.com", `{"name":"Ann"}{"name":"Bob"}`},
		{"ann@example.com", `[1,2,3]`},
		{"ann@example.com", `{"name":` + strings.Repeat("[", 10000)},
		{"ann@example.com", `{"name":"Ann","time_zone":"../../../etc/passwd"}`},
		{"ann@example.com", `{"name":"Ann","time_zone":"Local"}`},
		{"ANN@Example.com", `{"name":"Ann","active":null}`},
	} {
		f.Add(seed.email, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, email string, body []byte) {
		target := "http://custos.test/api/v1/users/" + url.PathEscape(email)
		req, err := http.NewRequest(http.MethodPut, target, strings.NewReader(string(body)))
		if err != nil || email == "" || strings.ContainsAny(email, "/?#") {
			return // not a request a client could send to this route
		}
		if len(target) > 3000 {
			// The HTTP server refuses a request line this long (431) before any handler sees
			// it, and Fiber's test connection reports that as an error; no address is so long.
			return
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		r := env.Client().Do(t, req)
		if r.Status >= 500 {
			t.Fatalf("PUT %s %q: %d %s", email, body, r.Status, r.Body)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
			t.Fatalf("PUT %s %q: %d answered with something other than JSON: %q", email, body, r.Status, r.Body)
		}
		if r.Status != http.StatusOK && r.Status != http.StatusCreated {
			if msg, _ := out["error"].(string); msg == "" {
				t.Fatalf("PUT %s %q: %d without an error message: %s", email, body, r.Status, r.Body)
			}
			return
		}
		stored, _ := out["email"].(string)
		name, _ := out["name"].(string)
		if !people.ValidEmail(stored) || strings.TrimSpace(name) == "" {
			t.Fatalf("PUT %s %q stored email %q, name %q", email, body, stored, name)
		}
		p, err := people.ByEmail(context.Background(), env.DB(), stored)
		if err != nil || p.Name != name {
			t.Fatalf("PUT %s %q answered %s but the database holds %+v (%v)", email, body, r.Body, p, err)
		}
	})
}
