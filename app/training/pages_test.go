package training_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/training"
)

var lessonForm = regexp.MustCompile(`name="opened" value="(\d+)">\s*<input type="hidden" name="sig" value="([0-9a-f]+)"`)

func lessonTimer(t *testing.T, body string) url.Values {
	t.Helper()
	m := lessonForm.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("lesson page has no completion form:\n%s", body)
	}
	return url.Values{"opened": {m[1]}, "sig": {m[2]}}
}

func TestAnEmployeeReadsTheLessonsAndTheCourseCompletes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		env := apptest.New(t, u, func(c *config.Config) { c.ContentDir = apptest.QuickCourseDir(t) })
		env.MustCreatePerson(t, "zhang@example.com", "张伟", people.Employee, "")
		if _, err := training.Schedule(context.Background(), env.DB(), env.App.Audit, env.App.Catalog, env.App.Now(), nil); err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		c.SignIn(t, "zhang@example.com", apptest.Password)
		home := c.Get(t, "/?lang=zh-Hans")
		for _, want := range []string{"快速课程", "保护客户信息", "未开始"} {
			if !strings.Contains(home.Body, want) {
				t.Errorf("my training lacks %q", want)
			}
		}
		lesson := c.Get(t, "/courses/quick/lessons/1")
		if lesson.Status != 200 || !strings.Contains(lesson.Body, "唯一的一课") {
			t.Fatalf("lesson page %d", lesson.Status)
		}
		r := c.Post(t, "/courses/quick/lessons/1", lessonTimer(t, lesson.Body))
		if r.Status != 303 || r.Header.Get("Location") != "/courses/quick" {
			t.Fatalf("completing the last lesson: %d %s", r.Status, r.Header.Get("Location"))
		}
		course := c.Get(t, "/courses/quick?lang=en")
		if !strings.Contains(course.Body, "Completed") {
			t.Errorf("course page after the only lesson does not say Completed")
		}
		var rows []training.LessonDone
		env.DB().NewSelect().Model(&rows).Scan(context.Background())
		if len(rows) != 1 || rows[0].Locale != "zh-Hans" || rows[0].CourseVersion != env.App.Catalog.Get("quick").Version {
			t.Errorf("lesson record %+v, want one in zh-Hans with the course version", rows)
		}
		var actions []string
		env.DB().NewSelect().Table("audit_log").Column("action").Order("seq").Scan(context.Background(), &actions)
		joined := strings.Join(actions, " ")
		if !strings.Contains(joined, "lesson.complete") || !strings.Contains(joined, "assignment.complete") {
			t.Errorf("audit log %q lacks the lesson and completion", joined)
		}
	})
}

func TestALessonReadTooFastIsRefused(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	env.MustCreatePerson(t, "a@example.com", "A", people.Employee, "")
	training.Schedule(context.Background(), env.DB(), env.App.Audit, env.App.Catalog, env.App.Now(), nil)
	c := env.Client()
	c.SignIn(t, "a@example.com", apptest.Password)
	lesson := c.Get(t, "/courses/customer-information/lessons/1")
	timer := lessonTimer(t, lesson.Body)
	r := c.Post(t, "/courses/customer-information/lessons/1", timer)
	if r.Status != 422 || !strings.Contains(r.Body, "at least 45 seconds") {
		t.Fatalf("instant completion: %d", r.Status)
	}
	forged := url.Values{"opened": {"1000"}, "sig": timer["sig"]}
	if r := c.Post(t, "/courses/customer-information/lessons/1", forged); r.Status != 422 {
		t.Fatalf("a forged start time: %d, want 422", r.Status)
	}
	var n int
	env.DB().NewSelect().Table("lesson_progress").ColumnExpr("COUNT(*)").Scan(context.Background(), &n)
	if n != 0 {
		t.Fatalf("%d lessons recorded after refusals", n)
	}
	// A minute later the same form is accepted, and the quiz stays locked until every lesson is read.
	later := env.Server.Now().Add(time.Minute)
	env.Server.Now = func() time.Time { return later }
	if r := c.Post(t, "/courses/customer-information/lessons/1", timer); r.Status != 303 {
		t.Fatalf("after a minute: %d", r.Status)
	}
	if page := c.Get(t, "/courses/customer-information"); !strings.Contains(page.Body, "Read every lesson first") {
		t.Error("the quiz is not locked after one lesson of six")
	}
}

func TestDoubleSubmitsRecordOneLesson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		env := apptest.New(t, u, func(c *config.Config) { c.ContentDir = apptest.QuickCourseDir(t) })
		env.MustCreatePerson(t, "a@example.com", "A", people.Employee, "")
		training.Schedule(context.Background(), env.DB(), env.App.Audit, env.App.Catalog, env.App.Now(), nil)
		c := env.Client()
		c.SignIn(t, "a@example.com", apptest.Password)
		timer := lessonTimer(t, c.Get(t, "/courses/quick/lessons/1").Body)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.Post(t, "/courses/quick/lessons/1", timer)
			}()
		}
		wg.Wait()
		var lessons, completions int
		env.DB().NewSelect().Table("lesson_progress").ColumnExpr("COUNT(*)").Scan(context.Background(), &lessons)
		env.DB().NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action = 'assignment.complete'").Scan(context.Background(), &completions)
		if lessons != 1 || completions != 1 {
			t.Fatalf("%d lesson records and %d completions, want one each", lessons, completions)
		}
	})
}

func TestSomeoneElsesCourseIsNotFound(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	eng := env.MustCreatePerson(t, "eng@example.com", "Engineer", people.Employee, "")
	env.DB().NewUpdate().Model(eng).Set("department = 'Engineering'").WherePK().Exec(context.Background())
	training.Schedule(context.Background(), env.DB(), env.App.Audit, env.App.Catalog, env.App.Now(), nil)
	c := env.Client()
	c.SignIn(t, "eng@example.com", apptest.Password)
	for _, path := range []string{"/courses/incident-response", "/courses/incident-response/lessons/1", "/courses/nope", "/courses/customer-information/lessons/99"} {
		if r := c.Get(t, path); r.Status != 404 {
			t.Errorf("%s: %d, want 404", path, r.Status)
		}
	}
	anon := env.Client()
	if r := anon.Get(t, "/courses/customer-information"); r.Status != 303 {
		t.Errorf("anonymous course page: %d, want a redirect to sign in", r.Status)
	}
}

func TestACourseThatLeftTheCatalogueStaysOnMyTraining(t *testing.T) {
	u := dbtest.SQLiteURL(t)
	before := apptest.New(t, u, func(c *config.Config) { c.ContentDir = apptest.QuickCourseDir(t) })
	before.MustCreatePerson(t, "zhang@example.com", "张伟", people.Employee, "")
	if _, err := training.Schedule(context.Background(), before.DB(), before.App.Audit, before.App.Catalog, before.App.Now(), nil); err != nil {
		t.Fatal(err)
	}
	// The content folder that held "quick" is gone; its assignment is history and stays listed.
	after := apptest.New(t, u)
	c := after.Client()
	c.SignIn(t, "zhang@example.com", apptest.Password)
	home := c.Get(t, "/")
	_, retired, _ := strings.Cut(home.Body, ">quick</h2>")
	retired, _, _ = strings.Cut(retired, "</section>")
	if home.Status != 200 || retired == "" || strings.Contains(home.Body, `href="/courses/quick"`) ||
		strings.Contains(retired, "Still to do") || // nothing can be done in a retired course
		!strings.Contains(home.Body, "Protecting customer information") {
		t.Errorf("my training with a retired course: %d\n%s", home.Status, home.Body)
	}
}

func TestMyTrainingSaysWhatIsOverdueAndWhatIsLeft(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		env := apptest.New(t, u)
		p := env.MustCreatePerson(t, "zhang@example.com", "张伟", people.Employee, "")
		now := env.App.Now()
		if _, err := training.Schedule(context.Background(), env.DB(), env.App.Audit, env.App.Catalog, now, nil); err != nil {
			t.Fatal(err)
		}
		env.DB().NewUpdate().Table("assignments").Set("due_at = ?", now.Add(-50*time.Hour)).
			Where("person_id = ? AND course = 'customer-information'", p.ID).Exec(context.Background())
		c := env.Client()
		c.SignIn(t, "zhang@example.com", apptest.Password)
		home := c.Get(t, "/?lang=en").Body
		for _, want := range []string{`status-overdue">Overdue<`, "3 day(s) overdue", "Lessons read: 0 of 6", "Pass the quiz",
			"Sign the undertaking", `status-assigned">Not started<`} {
			if !strings.Contains(home, want) {
				t.Errorf("my training lacks %q", want)
			}
		}
		if zh := c.Get(t, "/?lang=zh-Hans").Body; !strings.Contains(zh, "已逾期 3 天") || !strings.Contains(zh, "已读课程：0 / 6") {
			t.Errorf("my training in Chinese does not say overdue:\n%s", zh)
		}
	})
}

// TestPagesRenderedAtOnceDoNotMix has several people load my training at the same moment: each
// page must be whole and their own, though rendering shares the cached navigation, pooled
// buffers and prepared statements between requests.
func TestPagesRenderedAtOnceDoNotMix(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	const n = 6
	clients := make([]*apptest.Client, n)
	for i := range clients {
		email := fmt.Sprintf("p%d@example.com", i)
		env.MustCreatePerson(t, email, fmt.Sprintf("Person Number %d", i), people.Employee, "")
		clients[i] = env.Client()
		clients[i].SignIn(t, email, apptest.Password)
	}
	if _, err := training.Schedule(context.Background(), env.DB(), env.App.Audit, env.App.Catalog, env.App.Now(), nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			for range 15 {
				body := c.Get(t, "/").Body
				if !strings.Contains(body, fmt.Sprintf("Person Number %d<", i)) || !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
					t.Errorf("person %d got a page that is not whole or not theirs:\n%s", i, body)
					return
				}
			}
		})
	}
	wg.Wait()
}
