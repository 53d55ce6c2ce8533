package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"custos/courses"
	"custos/locales"
)

//go:embed mail/message.txt mail/message.html
var mailFiles embed.FS

// The layouts of every e-mail; the words come from locales/notify.*.toml. The HTML one escapes
// what it is given (names and course titles are data, not markup).
var (
	textLayout = texttemplate.Must(texttemplate.ParseFS(mailFiles, "mail/message.txt"))
	htmlLayout = htmltemplate.Must(htmltemplate.ParseFS(mailFiles, "mail/message.html"))
)

// letter is what one e-mail says, in the recipient's language, before it is laid out.
type letter struct {
	Lang     string
	Subject  string
	Greeting string
	Lines    []string
	Items    []string
	LinkText string
	URL      string
	Footer   string
}

// render lays a letter out as plain text and HTML.
func (lt letter) render() (text, html string, err error) {
	var tb, hb bytes.Buffer
	if err := textLayout.ExecuteTemplate(&tb, "message.txt", lt); err != nil {
		return "", "", fmt.Errorf("render e-mail text: %w", err)
	}
	if err := htmlLayout.ExecuteTemplate(&hb, "message.html", lt); err != nil {
		return "", "", fmt.Errorf("render e-mail HTML: %w", err)
	}
	return tb.String(), hb.String(), nil
}

// facts is what a letter is written from, loaded when the reminder is sent so it is current.
type facts struct {
	Kind       Kind
	Name       string // the recipient's
	Course     string // slug
	Due        time.Time
	ValidUntil time.Time
	Manager    string // who asked, for a manual reminder
	Overdue    []overdueItem
	MoreCount  int // overdue items left out of a long digest
}

// overdueItem is one line of a manager's digest.
type overdueItem struct {
	Name   string    `bun:"name"`
	Course string    `bun:"course"`
	DueAt  time.Time `bun:"due_at"`
}

// write composes the letter for f in l's language, with dates in loc and links under baseURL.
func write(f facts, l *locales.Localizer, loc *time.Location, cat *courses.Catalog, baseURL, org string) letter {
	course := courseTitle(cat, f.Course, l.Lang)
	due, until := l.Date(f.Due.In(loc)), l.Date(f.ValidUntil.In(loc))
	lt := letter{
		Lang:     l.Lang,
		Greeting: l.T("notify_greeting", "Name", f.Name),
		Footer:   l.T("notify_footer", "Org", org),
		LinkText: l.T("notify_link_course"),
		URL:      baseURL + "/courses/" + url.PathEscape(f.Course),
	}
	args := []any{"Course", course, "Due", due, "Until", until, "Manager", f.Manager}
	id := string(f.Kind)
	lt.Subject = l.T("notify_subject_"+id, args...)
	lt.Lines = []string{l.T("notify_body_"+id, args...)}
	switch f.Kind {
	case KindExpiring:
		lt.LinkText, lt.URL = l.T("notify_link_home"), baseURL+"/"
	case KindDigest:
		lt.LinkText, lt.URL = l.T("notify_link_team"), baseURL+"/team"
		for _, it := range f.Overdue {
			lt.Items = append(lt.Items, l.T("notify_digest_item", "Name", it.Name,
				"Course", courseTitle(cat, it.Course, l.Lang), "Due", l.Date(it.DueAt.In(loc))))
		}
		if f.MoreCount > 0 {
			lt.Items = append(lt.Items, l.T("notify_digest_more", "More", f.MoreCount))
		}
	}
	return lt
}

// courseTitle is the course's title in lang, or its slug when the content no longer has it.
func courseTitle(cat *courses.Catalog, slug, lang string) string {
	if c := cat.Get(slug); c != nil {
		if t := strings.TrimSpace(c.Title.In(lang)); t != "" {
			return t
		}
	}
	return slug
}
