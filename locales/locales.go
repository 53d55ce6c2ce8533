// Package locales holds Custos's interface text in English and Simplified Chinese and picks the
// language a person reads.
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.toml
var files embed.FS

// Files returns the embedded message files.
func Files() fs.FS { return files }

// Supported lists the languages Custos speaks, the default first.
var Supported = []string{"en", "zh-Hans"}

// Bundle holds every message in every supported language.
type Bundle struct {
	bundle     *i18n.Bundle
	localizers map[string]*Localizer
}

// New loads the embedded message files: <lang>.toml for the shell and <area>.<lang>.toml for
// each part of the product, so each area keeps its text beside the others.
func New() (*Bundle, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, lang := range Supported {
		names, err := fileNames(lang)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if _, err := b.LoadMessageFileFS(files, name); err != nil {
				return nil, fmt.Errorf("load %s: %w", name, err)
			}
		}
	}
	out := &Bundle{bundle: b, localizers: make(map[string]*Localizer, len(Supported))}
	for _, lang := range Supported {
		out.localizers[lang] = &Localizer{Lang: lang, l: i18n.NewLocalizer(b, lang)}
	}
	return out, nil
}

// For returns the localizer of lang, or English for a language Custos does not speak.
func (b *Bundle) For(lang string) *Localizer {
	if l, ok := b.localizers[lang]; ok {
		return l
	}
	return b.localizers["en"]
}

// Localizer translates messages into one language.
type Localizer struct {
	Lang  string
	l     *i18n.Localizer
	plain sync.Map // id → text of messages translated without arguments: most of a page
}

// T translates the message id; args come in name, value pairs ("Name", "张伟"). A missing
// message shows its id, which the locale tests catch long before a person could.
func (l *Localizer) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := l.plain.Load(id); ok {
			return s.(string)
		}
		s := l.TMap(id, nil)
		l.plain.Store(id, s)
		return s
	}
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	return l.TMap(id, data)
}

// TMap translates id with its template data given as a map.
func (l *Localizer) TMap(id string, data map[string]any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := l.l.Localize(cfg)
	if err != nil && cfg.PluralCount != nil {
		// A message written as one plain string has only the "other" form; use it for any count.
		cfg.PluralCount = nil
		s, err = l.l.Localize(cfg)
	}
	if err != nil {
		return id
	}
	return s
}

// Date formats a calendar day for the language: "2 March 2026" or "2026年3月2日".
func (l *Localizer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.Lang == "zh-Hans" {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
	}
	return t.Format("2 January 2006")
}

// DateTime formats an instant in loc for the language, with the zone's abbreviation.
func (l *Localizer) DateTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	if l.Lang == "zh-Hans" {
		return fmt.Sprintf("%d年%d月%d日 %s", t.Year(), int(t.Month()), t.Day(), t.Format("15:04 MST"))
	}
	return t.Format("2 January 2006, 15:04 MST")
}

// Normalize maps a language tag someone asked for to a supported language: zh, zh-CN, zh-SG and
// zh-Hans become zh-Hans; en-* becomes en. ok is false for anything else.
func Normalize(tag string) (lang string, ok bool) {
	t := strings.ToLower(strings.TrimSpace(tag))
	switch {
	case t == "zh" || t == "zh-cn" || t == "zh-sg" || strings.HasPrefix(t, "zh-hans") || t == "zh_cn":
		return "zh-Hans", true
	case t == "en" || strings.HasPrefix(t, "en-") || strings.HasPrefix(t, "en_"):
		return "en", true
	}
	return "", false
}

// FromAcceptLanguage picks the language for an Accept-Language header: the first supported one
// in the order of the header's weights, else English.
func FromAcceptLanguage(header string) string {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return "en"
	}
	for _, t := range tags {
		if lang, ok := Normalize(t.String()); ok {
			return lang
		}
	}
	return "en"
}

// fileNames lists the message files of one language.
func fileNames(lang string) ([]string, error) {
	names, err := fs.Glob(files, "*.toml")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if n == lang+".toml" || strings.HasSuffix(n, "."+lang+".toml") {
			out = append(out, n)
		}
	}
	return out, nil
}

// IDs returns the message ids of one language, from all its files, for the tests that keep the
// languages in step. An id defined twice is an error.
func IDs(lang string) (map[string]bool, error) {
	names, err := fileNames(lang)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, name := range names {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := toml.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		for k := range m {
			if ids[k] {
				return nil, fmt.Errorf("%s: message %q is defined twice", name, k)
			}
			ids[k] = true
		}
	}
	return ids, nil
}
