package quiz_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/db"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/quiz"
	"custos/app/training"
)

// TestTheDatabaseKeepsAttemptsAsEvidence checks the guards in the schema itself, so a bug or a
// stolen application login cannot rewrite an attempt: a submitted attempt is final, none is
// deleted, grants are append-only, an attempt number is used once and one attempt is open at a
// time.
func TestTheDatabaseKeepsAttemptsAsEvidence(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, _ string, d *bun.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		var p *people.Person
		err := d.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			name, role, none := "Guard Test", people.Employee, ""
			var err error
			p, _, _, err = people.Save(ctx, tx, people.Change{Email: "guard@example.com", Name: &name, Role: &role, Manager: &none}, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		a := &training.Assignment{PersonID: p.ID, Course: "mini", Cycle: 1, Reason: "first", CourseVersion: "v", OpenedAt: now, DueAt: now.Add(time.Hour), CreatedAt: now}
		if _, err := d.NewInsert().Model(a).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		attempt := func(no int) *quiz.Attempt {
			return &quiz.Attempt{AssignmentID: a.ID, PersonID: p.ID, Course: "mini", AttemptNo: no, Bank: "mini", BankVersion: "b",
				CourseVersion: "v", Total: 1, PassMark: 50, Locale: "en", StartedAt: now,
				Questions: quiz.Shown{{ID: "q", Options: []string{"a", "b"}}}}
		}
		first := attempt(1)
		if _, err := d.NewInsert().Model(first).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := d.NewInsert().Model(attempt(2)).Exec(ctx); !db.IsUniqueViolation(err) {
			t.Errorf("a second open attempt: %v, want a unique violation", err)
		}
		if _, err := d.NewUpdate().Model(first).Set("deadline = ?", now.Add(time.Minute)).WherePK().Exec(ctx); err != nil {
			t.Errorf("changing an open attempt: %v", err)
		}
		if _, err := d.NewUpdate().Model(first).Set("submitted_at = ?", now).WherePK().Exec(ctx); err == nil {
			t.Error("an attempt was submitted without its result")
		}
		score, no := 0, false
		first.SubmittedAt, first.Answers, first.Score, first.Correct, first.Passed, first.Expired = &now, quiz.Answers{"q": {"b"}}, &score, &score, &no, &no
		if _, err := d.NewUpdate().Model(first).Column("submitted_at", "answers", "score", "correct", "passed", "expired").WherePK().Exec(ctx); err != nil {
			t.Fatalf("submitting: %v", err)
		}
		if _, err := d.NewUpdate().Model(first).Set("score = 100, passed = TRUE").WherePK().Exec(ctx); err == nil {
			t.Error("a submitted attempt was changed")
		}
		if _, err := d.NewDelete().Model(first).WherePK().Exec(ctx); err == nil {
			t.Error("an attempt was deleted")
		}
		if _, err := d.NewInsert().Model(attempt(1)).Exec(ctx); !db.IsUniqueViolation(err) {
			t.Errorf("attempt number 1 again: %v, want a unique violation", err)
		}

		g := &quiz.Grant{AssignmentID: a.ID, Extra: 1, GrantedBy: p.ID, Reason: "ill", At: now}
		if _, err := d.NewInsert().Model(g).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := d.NewUpdate().Model(g).Set("extra = 5").WherePK().Exec(ctx); err == nil {
			t.Error("a grant was changed")
		}
		if _, err := d.NewDelete().Model(g).WherePK().Exec(ctx); err == nil {
			t.Error("a grant was deleted")
		}
		var stored quiz.Attempt
		if err := d.NewSelect().Model(&stored).Where("id = ?", first.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if stored.Percent() != 0 || stored.HasPassed() || len(stored.Answers["q"]) != 1 || stored.Questions[0].Options[1] != "b" {
			t.Errorf("stored attempt %+v", stored)
		}
	})
}
