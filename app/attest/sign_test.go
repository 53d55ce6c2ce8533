package attest_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"html/template"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/attest"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/signing"
	"custos/courses"
)

func TestASignatureRoundTrips(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		ctx := context.Background()
		env := apptest.New(t, u)
		zhang := env.MustCreatePerson(t, "zhang@example.com", "张伟", people.Employee, "")
		mustSchedule(t, env)
		c := env.Client()
		c.Header.Set("User-Agent", "Mozilla/5.0 (X11) <b>&</b>")
		c.SignIn(t, "zhang@example.com", apptest.Password)
		doc := env.App.Catalog.Get(standalone).Undertaking.Doc("zh-Hans")

		page := c.Get(t, signPath(standalone)+"?lang=zh-Hans")
		for _, want := range []string{doc.Title, "保密信息的范围", `name="agree"`, `name="full_name"`, doc.Version} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("sign page lacks %q", want)
			}
		}
		if n := env.Count(t, "audit_log", "action = 'undertaking.view'"); n != 1 {
			t.Errorf("%d undertaking.view audit records, want 1", n)
		}
		if r := c.Post(t, signPath(standalone), signForm(doc.Version, "张 伟")); r.Status != 303 {
			t.Fatalf("sign: %d\n%s", r.Status, r.Body)
		}
		page = c.Get(t, signPath(standalone))
		if !strings.Contains(page.Body, "您已签署本承诺书") || !strings.Contains(page.Body, "/receipt.pdf") || strings.Contains(page.Body, `name="full_name"`) {
			t.Errorf("the page after signing does not show the signature and its receipt:\n%s", page.Body)
		}

		sigs := signatures(t, env.DB())
		if len(sigs) != 1 {
			t.Fatalf("%d signatures, want 1", len(sigs))
		}
		s := sigs[0]
		if s.PersonID != zhang.ID || s.Email != "zhang@example.com" || s.Document != "confidentiality" || s.Version != doc.Version ||
			s.Locale != "zh-Hans" || s.TextHash != doc.Version || s.TypedName != "张 伟" || s.Method != "typed_name" ||
			s.AuthMethod != "password" || s.SessionID == 0 || s.IP == "" || s.UserAgent == "" || env.App.Now().Sub(s.SignedAt).Abs() > time.Minute {
			t.Errorf("stored signature %+v", s)
		}
		var completed *time.Time
		env.DB().NewSelect().Table("assignments").Column("completed_at").Where("id = ?", s.AssignmentID).Scan(ctx, &completed)
		if completed == nil {
			t.Error("signing the standalone undertaking did not complete its assignment")
		}
		for _, action := range []string{"undertaking.sign", "assignment.complete"} {
			if n := env.Count(t, "audit_log", "action = ?", action); n != 1 {
				t.Errorf("%d %s audit records, want 1", n, action)
			}
		}
		if err := attest.VerifyAll(ctx, env.DB(), env.App.Key.Public); err != nil {
			t.Fatalf("VerifyAll after an honest signature: %v", err)
		}

		// Anyone can check the record with the published key.
		anon := env.Client()
		keyResp := anon.Get(t, "/.well-known/custos-signing-key")
		if keyResp.Status != 200 || !strings.HasPrefix(keyResp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("public key: %d %s", keyResp.Status, keyResp.Header.Get("Content-Type"))
		}
		pub, err := signing.ParsePublicPEM([]byte(keyResp.Body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(s.ServerSignature)
		if !ed25519.Verify(pub, []byte(s.Record), raw) {
			t.Error("the record's signature does not verify with the published key")
		}
		if !strings.HasPrefix(s.Record, `{"type":"custos.signature/v1","person_id":`) || !strings.Contains(s.Record, `"typed_name":"张 伟"`) {
			t.Errorf("record is not the canonical form: %s", s.Record)
		}
		if s.KeyFingerprint != signing.Fingerprint(pub) {
			t.Errorf("stored fingerprint %s, published key %s", s.KeyFingerprint, signing.Fingerprint(pub))
		}

		// The database refuses to change or remove a signature, whoever asks.
		for _, stmt := range []string{"UPDATE signatures SET typed_name = 'someone else'", "DELETE FROM signatures",
			"UPDATE signed_texts SET text = 'other'", "DELETE FROM signed_texts"} {
			if _, err := env.DB().ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", stmt, err)
			}
		}

		// A new version of the text must be signed again; the old signature stays on record.
		changeText(env.App.Catalog.Get(standalone).Undertaking, "zh-Hans", doc.Text+"\n6. 新增条款。\n")
		if r := c.Get(t, "/courses/"+standalone); strings.Contains(r.Body, "承诺书已签署") {
			t.Error("the course page still says signed after the text changed")
		}
		version := openSignPage(t, c, standalone)
		if version == doc.Version {
			t.Fatal("the sign page shows the old version")
		}
		if r := c.Post(t, signPath(standalone), signForm(version, "张伟")); r.Status != 303 {
			t.Fatalf("sign the new version: %d", r.Status)
		}
		if n, err := attest.Verify(ctx, env.DB(), env.App.Key.Public); err != nil || n != 2 {
			t.Fatalf("after signing again: %d signatures, %v", n, err)
		}
	})
}

// changeText gives the undertaking a new text in one language, as a content change would; the
// HTML gets the added text as a paragraph.
func changeText(u *courses.Undertaking, locale, text string) {
	d := u.Docs[locale]
	d.HTML += template.HTML("<p>" + template.HTMLEscapeString(strings.TrimPrefix(text, d.Text)) + "</p>")
	d.Text = text
	d.Version = sha256Hex(text)
	u.Docs[locale] = d
}

func TestTamperingWithASignatureIsDetected(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		ctx := context.Background()
		env := apptest.New(t, u)
		env.MustCreatePerson(t, "ann@example.com", "Ann Lee", people.Employee, "")
		mustSchedule(t, env)
		c := env.Client()
		c.SignIn(t, "ann@example.com", apptest.Password)
		mustSign(t, c, "ann lee")
		s := signatures(t, env.DB())[0]
		disableGuard(t, env.DB())

		later := s.SignedAt.Add(time.Hour)
		cases := []struct {
			name, set string
			value     any
			restore   any
			want      string
		}{
			{"typed name", "typed_name = ?", "Mallory", s.TypedName, "typed_name"},
			{"time", "signed_at = ?", later, s.SignedAt, "signed_at"},
			{"version", "version = ?", strings.Repeat("ab", 32), s.Version, "version"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				mustExec(t, env.DB(), "UPDATE signatures SET "+tc.set+" WHERE id = ?", tc.value, s.ID)
				err := attest.VerifyAll(ctx, env.DB(), env.App.Key.Public)
				if err == nil || !strings.Contains(err.Error(), "signature 1 ") || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("VerifyAll after changing the %s: %v", tc.name, err)
				}
				mustExec(t, env.DB(), "UPDATE signatures SET "+tc.set+" WHERE id = ?", tc.restore, s.ID)
				if err := attest.VerifyAll(ctx, env.DB(), env.App.Key.Public); err != nil {
					t.Fatalf("after restoring the %s: %v", tc.name, err)
				}
			})
		}
		t.Run("a record rewritten to match", func(t *testing.T) {
			record := strings.Replace(s.Record, `"typed_name":"ann lee"`, `"typed_name":"Mallory"`, 1)
			mustExec(t, env.DB(), "UPDATE signatures SET typed_name = ?, record = ? WHERE id = ?", "Mallory", record, s.ID)
			err := attest.VerifyAll(ctx, env.DB(), env.App.Key.Public)
			if err == nil || !strings.Contains(err.Error(), "signature 1 ") || !strings.Contains(err.Error(), "server signature") {
				t.Errorf("VerifyAll after rewriting the record: %v", err)
			}
			auditor := env.MustCreatePerson(t, "audit@example.com", "Auditor", people.Auditor, "")
			ac := env.Client()
			ac.SignIn(t, auditor.Email, apptest.Password)
			if page := ac.Get(t, "/admin/signatures"); !strings.Contains(page.Body, "Does not verify") || !strings.Contains(page.Body, "Mallory") {
				t.Errorf("the admin list does not flag the altered signature")
			}
		})
	})
}

func mustExec(t *testing.T, d bun.IDB, query string, args ...any) {
	t.Helper()
	if _, err := d.NewRaw(query, args...).Exec(context.Background()); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestTwoSubmitsAtOnceStoreOneSignature(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		env := apptest.New(t, u)
		env.MustCreatePerson(t, "ann@example.com", "Ann Lee", people.Employee, "")
		mustSchedule(t, env)
		c := env.Client()
		c.SignIn(t, "ann@example.com", apptest.Password)
		form := signForm(openSignPage(t, c, standalone), "Ann Lee")
		form.Set("_csrf", c.CSRF())
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = c.Post(t, signPath(standalone), form).Status
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != 303 {
				t.Errorf("submit %d: status %d, want 303", i, st)
			}
		}
		if n := env.Count(t, "signatures", ""); n != 1 {
			t.Errorf("%d signatures, want 1", n)
		}
		for _, action := range []string{"undertaking.sign", "assignment.complete"} {
			if n := env.Count(t, "audit_log", "action = ?", action); n != 1 {
				t.Errorf("%d %s audit records, want 1", n, action)
			}
		}
	})
}
