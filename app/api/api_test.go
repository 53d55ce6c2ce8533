package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/api"
	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/training"
)

type apiEnv struct {
	env                          *apptest.Env
	admin, manager, staff, other string // tokens
}

func setup(t *testing.T, u string) *apiEnv {
	env := apptest.New(t, u)
	ctx := context.Background()
	mk := func(email, name string, role people.Role, manager string) string {
		p := env.MustCreatePerson(t, email, name, role, manager)
		var secret string
		env.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var err error
			_, secret, err = api.CreateToken(ctx, tx, p.ID, "test", env.App.Now())
			return err
		})
		return secret
	}
	e := &apiEnv{env: env}
	e.admin = mk("admin@example.com", "Admin", people.Admin, "")
	e.manager = mk("boss@example.com", "Boss", people.Manager, "")
	e.staff = mk("staff@example.com", "张伟", people.Employee, "boss@example.com")
	e.other = mk("other@example.com", "Other", people.Employee, "")
	if _, err := training.Schedule(ctx, env.DB(), env.App.Audit, env.App.Catalog, env.App.Now(), nil); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *apiEnv) call(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://custos.test"+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.env.Server.Fiber.Test(req, 30000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: not JSON (%d): %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, out
}

func emails(out map[string]any) []string {
	seen := map[string]bool{}
	var list []string
	for _, a := range out["assignments"].([]any) {
		e := a.(map[string]any)["email"].(string)
		if !seen[e] {
			seen[e] = true
			list = append(list, e)
		}
	}
	sort.Strings(list)
	return list
}

func TestTokensActAsTheirOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		e := setup(t, u)
		cases := []struct {
			token string
			want  string
		}{
			{e.staff, "staff@example.com"},
			{e.manager, "boss@example.com staff@example.com"},
			{e.admin, "admin@example.com boss@example.com other@example.com staff@example.com"},
		}
		for _, tc := range cases {
			status, out := e.call(t, "GET", "/api/v1/assignments", tc.token, "")
			if status != 200 || strings.Join(emails(out), " ") != tc.want {
				t.Errorf("sees %v (%d), want %s", out["assignments"] != nil, status, tc.want)
			}
		}
		status, out := e.call(t, "GET", "/api/v1/assignments?status=assigned&course=customer-information", e.admin, "")
		if status != 200 || len(out["assignments"].([]any)) != 4 {
			t.Errorf("filtered: %d %v", status, out)
		}
		for _, q := range []string{"?status=done", "?course=nope", "?limit=0", "?limit=abc", "?offset=-1"} {
			if status, out := e.call(t, "GET", "/api/v1/assignments"+q, e.admin, ""); status != 422 || out["error"] == "" {
				t.Errorf("%s: %d %v, want 422 with an error", q, status, out)
			}
		}
	})
}

func TestRequestsWithoutAValidTokenAreRefusedInJSON(t *testing.T) {
	e := setup(t, dbtest.SQLiteURL(t))
	for name, token := range map[string]string{"none": "", "malformed": "not-a-token", "unknown": "custos_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"oversized": "custos_" + strings.Repeat("x", 500)} {
		status, out := e.call(t, "GET", "/api/v1/assignments", token, "")
		if status != 401 || !strings.Contains(out["error"].(string), "token") {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	// A browser session is no credential for the API, which takes no CSRF token.
	c := e.env.Client()
	c.SignIn(t, "admin@example.com", apptest.Password)
	if r := c.Get(t, "/api/v1/assignments"); r.Status != 401 {
		t.Errorf("a session cookie reached the API: %d", r.Status)
	}
	// A revoked token stops at once; so does one whose owner left.
	ctx := context.Background()
	e.env.DB().NewUpdate().Table("api_tokens").Set("revoked_at = ?", time.Now()).
		Where("person_id = (SELECT id FROM people WHERE email = 'other@example.com')").Exec(ctx)
	if status, _ := e.call(t, "GET", "/api/v1/assignments", e.other, ""); status != 401 {
		t.Errorf("revoked token: %d", status)
	}
	e.env.DB().NewUpdate().Table("people").Set("active = ?", false).Where("email = 'staff@example.com'").Exec(ctx)
	if status, _ := e.call(t, "GET", "/api/v1/assignments", e.staff, ""); status != 401 {
		t.Errorf("deactivated owner's token: %d", status)
	}
}

func TestHRSyncUpsertsPeople(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		e := setup(t, u)
		body := `{"name":"José O'Brien","department":"Sales","manager_email":"boss@example.com","role":"employee","locale":"en","hired_on":"2026-11-02"}`
		if status, out := e.call(t, "PUT", "/api/v1/users/Jose@Example.com", e.admin, body); status != 201 || out["email"] != "jose@example.com" {
			t.Fatalf("create: %d %v", status, out)
		}
		if status, out := e.call(t, "PUT", "/api/v1/users/jose@example.com", e.admin, body); status != 200 || out["name"] != "José O'Brien" {
			t.Fatalf("same again: %d %v", status, out)
		}
		if status, out := e.call(t, "PUT", "/api/v1/users/jose@example.com", e.admin, `{"left_on":"2026-11-20"}`); status != 200 || out["left_on"] != "2026-11-20" {
			t.Fatalf("leave date: %d %v", status, out)
		}
		bad := map[string]string{
			"unknown field": `{"name":"X","salary":1}`, "bad role": `{"name":"X","role":"boss"}`, "bad date": `{"name":"X","hired_on":"soon"}`,
			"not JSON": `{"name":`, "new without name": `{"department":"Sales"}`, "two documents": `{"name":"X"}{"name":"Y"}`,
			"unknown manager": `{"name":"X","manager_email":"ghost@example.com"}`,
		}
		for name, b := range bad {
			if status, out := e.call(t, "PUT", "/api/v1/users/new@example.com", e.admin, b); status != 422 || out["error"] == "" {
				t.Errorf("%s: %d %v", name, status, out)
			}
		}
		if status, _ := e.call(t, "PUT", "/api/v1/users/new@example.com", e.staff, `{"name":"X"}`); status != 403 {
			t.Errorf("an employee's token: %d, want 403", status)
		}
		n, _ := people.Count(context.Background(), e.env.DB())
		if n != 5 {
			t.Errorf("%d people after refused calls, want 5", n)
		}
		var audited int
		e.env.DB().NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action LIKE 'person.%' AND record LIKE '%\"via\":\"api\"%'").Scan(context.Background(), &audited)
		if audited != 2 {
			t.Errorf("%d API changes audited, want 2 (create, leave date)", audited)
		}
	})
}

// TestTheOpenAPIDocumentMatchesTheRoutes fails when a route under /api/v1 is added without
// documenting it, or documented without existing.
func TestTheOpenAPIDocumentMatchesTheRoutes(t *testing.T) {
	e := setup(t, dbtest.SQLiteURL(t))
	status, doc := e.call(t, "GET", "/api/v1/openapi.json", "", "")
	if status != 200 {
		t.Fatal(status)
	}
	documented := map[string]bool{}
	for path, ops := range doc["paths"].(map[string]any) {
		for method := range ops.(map[string]any) {
			documented[strings.ToUpper(method)+" /api/v1"+path] = true
		}
	}
	param := regexp.MustCompile(`:(\w+)(<[^>]*>)?`)
	served := map[string]bool{}
	for _, r := range e.env.Server.Fiber.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/openapi.json" || r.Method == "HEAD" {
			continue
		}
		served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("%s is served but not in openapi.json", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("%s is in openapi.json but not served", k)
		}
	}
}
