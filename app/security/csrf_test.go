package security_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"custos/app/apptest"
	"custos/app/demo"
)

// forgery is one way a request can lack the session's CSRF token.
type forgery struct {
	name string
	// prepare turns a form into the request body, content type and extra headers.
	prepare func(form url.Values) (body []byte, contentType string, header http.Header)
}

// urlencoded sends the form with token as _csrf, or with no _csrf at all when token is nil.
func urlencoded(token *string) func(url.Values) ([]byte, string, http.Header) {
	return func(form url.Values) ([]byte, string, http.Header) {
		f := clone(form)
		if token != nil {
			f.Set("_csrf", *token)
		}
		return []byte(f.Encode()), "application/x-www-form-urlencoded", nil
	}
}

func clone(form url.Values) url.Values {
	f := url.Values{}
	for k, v := range form {
		f[k] = slices.Clone(v)
	}
	return f
}

// writeForm is a request a write route would act on if it took it: the CSRF check is all that
// stands between it and a change, so a route that forgot the check changes a row.
type writeForm struct {
	path string
	form url.Values
}

// writeForms fills each write route with a request it would carry out, for a's session (the
// lesson's reading timer is signed for it). A route missing here is still sent a request, with
// its parameters filled in generically.
func (w *world) writeForms(t *testing.T, a *apptest.Client) map[string]writeForm {
	lesson := "/courses/" + hostileCourse + "/lessons/1"
	m := lessonTimer.FindStringSubmatch(a.Get(t, lesson).Body)
	if m == nil {
		t.Fatalf("%s shows the admin no completion form", lesson)
	}
	id := w.ids
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	return map[string]writeForm{
		"POST /login":                         {"/login", url.Values{"email": {roleEmail[admin]}, "password": {demo.Password}}},
		"POST /logout":                        {"/logout", url.Values{}},
		"POST /courses/:slug/lessons/:n<int>": {lesson, url.Values{"opened": {m[1]}, "sig": {m[2]}}},
		"POST /courses/:slug/quiz/start":      {"/courses/customer-information/quiz/start", url.Values{}},
		"POST /courses/:slug/quiz":            {"/courses/customer-information/quiz", url.Values{"attempt": {"1"}}},
		"POST /courses/:slug/sign": {"/courses/confidentiality-undertaking/sign",
			url.Values{"agree": {"1"}, "full_name": {"李娜"}, "version": {"0"}}},
		"POST /admin/quiz/grants": {"/admin/quiz/grants",
			url.Values{"assignment": {itoa(id.grantAssignment)}, "extra": {"1"}, "reason": {"forged"}}},
		"POST /admin/certificates/:serial/revoke": {"/admin/certificates/" + id.ownerCert + "/revoke", url.Values{"reason": {"forged"}}},
		"POST /admin/tokens/":                     {"/admin/tokens", url.Values{"email": {roleEmail[admin]}, "name": {"forged"}}},
		"POST /admin/tokens/:id<int>/revoke":      {"/admin/tokens/" + itoa(id.throwawayToken) + "/revoke", url.Values{}},
		"POST /team/remind":                       {"/team/remind", url.Values{"assignment_id": {itoa(id.remindAssignment)}}},
		"POST /admin/people/": {"/admin/people", url.Values{"email": {"forged@example.com"}, "name": {"Forged"},
			"role": {"admin"}, "locale": {"en"}, "time_zone": {"UTC"}, "active": {"1"}, "password": {"forged password"}}},
		"POST /admin/people/import": {"/admin/people/import", url.Values{}}, // the file goes in multipart only
		"POST /admin/people/:id<int>": {"/admin/people/" + itoa(id.throwawayID), url.Values{"name": {"Forged"},
			"role": {"admin"}, "locale": {"en"}, "time_zone": {"UTC"}, "active": {"1"}}},
		"POST /admin/people/:id<int>/active": {"/admin/people/" + itoa(id.throwawayID) + "/active", url.Values{"active": {"0"}}},
	}
}

// genericPath fills a route's parameters for a route writeForms does not know.
func genericPath(w *world, route string) string {
	return strings.NewReplacer(":id<int>", strconv.FormatInt(w.ids.throwawayID, 10), ":n<int>", "1", ":serial", w.ids.ownerCert,
		":slug", "customer-information", ":email", "forged@example.com", ":code", w.ids.ownerCode, "*", "x").Replace(route)
}

// writeRoutes lists the state-changing routes outside /api/, which authenticates by bearer
// token and takes no cookie.
func (w *world) writeRoutes() []string {
	var out []string
	for _, r := range w.env.Server.Fiber.GetRoutes(true) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodConnect:
			continue
		}
		key := r.Method + " " + r.Path
		if !strings.HasPrefix(r.Path, "/api/") && !slices.Contains(out, key) {
			out = append(out, key)
		}
	}
	return out
}

// testCSRF sends every write route, signed in as the admin (so every role check passes), each
// forged request, expects 403 and no row of any table changed; then the same requests with the
// session's token, which must not be refused as forgeries.
func (w *world) testCSRF(t *testing.T) {
	a := w.as[admin]
	a.Get(t, "/")
	forms := w.writeForms(t, a)
	wrong, empty, others := "not-the-token", "", w.as[anonymous].CSRF()
	forgeries := []forgery{
		{"no token", urlencoded(nil)},
		{"an empty token", urlencoded(&empty)},
		{"a wrong token", urlencoded(&wrong)},
		{"another session's token", urlencoded(&others)},
		{"a wrong X-CSRF-Token header", func(form url.Values) ([]byte, string, http.Header) {
			return []byte(form.Encode()), "application/x-www-form-urlencoded", http.Header{"X-Csrf-Token": {wrong}}
		}},
		{"multipart with a wrong token", func(form url.Values) ([]byte, string, http.Header) {
			return multipartBody(form, wrong)
		}},
		{"JSON without a token", func(form url.Values) ([]byte, string, http.Header) {
			return []byte(`{"name":"Forged"}`), "application/json", nil
		}},
	}
	before := w.snapshot(t)
	routes := w.writeRoutes()
	if len(routes) < 10 {
		t.Fatalf("only %d write routes found: %v", len(routes), routes)
	}
	send := func(t *testing.T, c *apptest.Client, method, path string, body []byte, contentType string, header http.Header) *apptest.Response {
		t.Helper()
		req, _ := http.NewRequest(method, "http://custos.test"+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		for k, v := range header {
			req.Header[k] = v
		}
		return c.Do(t, req)
	}
	for _, route := range routes {
		method, _, _ := strings.Cut(route, " ")
		f, ok := forms[route]
		if !ok {
			f = writeForm{genericPath(w, strings.TrimPrefix(route, method+" ")), url.Values{"name": {"Forged"}}}
		}
		for _, fg := range forgeries {
			body, ct, header := fg.prepare(f.form)
			if r := send(t, a, method, f.path, body, ct, header); r.Status != http.StatusForbidden {
				t.Errorf("%s %s with %s: status %d, want 403", method, f.path, fg.name, r.Status)
			}
		}
	}
	// The /api/ exemption is for the API's own routes, not for a path that only starts that way.
	for _, path := range []string{"/api/../admin/people", "/api/%2e%2e/admin/people", "/api/v1/../../admin/people", "/API/../admin/people", "//api/../admin/people"} {
		body, ct, _ := urlencoded(nil)(forms["POST /admin/people/"].form)
		switch r := send(t, a, http.MethodPost, path, body, ct, nil); r.Status {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		default:
			t.Errorf("POST %s without a token: status %d, want a refusal", path, r.Status)
		}
	}
	w.compare(t, before, w.snapshot(t))

	t.Run("with the session's token the same requests get through the check", func(t *testing.T) {
		c := w.env.Client() // its own session: the last request signs it out
		c.SignIn(t, roleEmail[admin], demo.Password)
		c.Get(t, "/")
		forms := w.writeForms(t, c)
		slices.SortStableFunc(routes, func(x, y string) int { // sign-out last
			return strings.Compare(strconv.FormatBool(x == "POST /logout"), strconv.FormatBool(y == "POST /logout"))
		})
		for _, route := range routes {
			method, _, _ := strings.Cut(route, " ")
			f, ok := forms[route]
			if !ok {
				f = writeForm{genericPath(w, strings.TrimPrefix(route, method+" ")), url.Values{}}
			}
			c.Get(t, "/") // the token of the session as it is now: the sign-in control starts a new one
			token := c.CSRF()
			body, ct, _ := urlencoded(&token)(f.form)
			if route == "POST /admin/people/import" {
				body, ct, _ = multipartBody(f.form, token)
			}
			if r := send(t, c, method, f.path, body, ct, nil); r.Status == http.StatusForbidden {
				t.Errorf("%s %s with the right token: 403", method, f.path)
			}
		}
	})
}

// multipartBody encodes form as multipart/form-data with token as _csrf and a small CSV file.
func multipartBody(form url.Values, token string) ([]byte, string, http.Header) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("_csrf", token)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", "people.csv")
	fw.Write([]byte("email,name\r\nforged.import@example.com,Forged Import\r\n"))
	mw.Close()
	return b.Bytes(), mw.FormDataContentType(), nil
}

// snapshot is every table's row count and, except for sessions (whose last-seen time every
// request moves), a hash of its content.
type snapshot map[string]string

func (w *world) snapshot(t *testing.T) snapshot {
	t.Helper()
	ctx, db := context.Background(), w.env.DB()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if w.dialect == "postgres" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	var tables []string
	if err := db.NewRaw(q).Scan(ctx, &tables); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("found only the tables %v", tables)
	}
	out := snapshot{}
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("read %s: %v", table, err)
			}
			lines = append(lines, fmt.Sprintf("%v", vals))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		if table == "sessions" {
			sum = [32]byte{}
		}
		out[table] = fmt.Sprintf("%d rows %x", len(lines), sum[:6])
	}
	return out
}

func (w *world) compare(t *testing.T, before, after snapshot) {
	t.Helper()
	for table, b := range before {
		if a := after[table]; a != b {
			t.Errorf("table %s changed under refused requests: %s, then %s", table, b, a)
		}
	}
}
