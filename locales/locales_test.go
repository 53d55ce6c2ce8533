package locales_test

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"custos/locales"
)

func TestBothLanguagesHaveTheSameMessages(t *testing.T) {
	en, err := locales.IDs("en")
	if err != nil {
		t.Fatal(err)
	}
	zh, err := locales.IDs("zh-Hans")
	if err != nil {
		t.Fatal(err)
	}
	for id := range en {
		if !zh[id] {
			t.Errorf("zh-Hans.toml lacks %q", id)
		}
	}
	for id := range zh {
		if !en[id] {
			t.Errorf("en.toml lacks %q", id)
		}
	}
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func TestEveryMessageRendersInBothLanguages(t *testing.T) {
	b, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := locales.IDs("en")
	// Every placeholder any message uses gets a value, so a message that renders "<no value>"
	// names a placeholder the other language does not have.
	args := map[string]any{}
	names, _ := fs.Glob(locales.Files(), "*.toml")
	for _, n := range names {
		data, _ := fs.ReadFile(locales.Files(), n)
		for _, m := range placeholder.FindAllStringSubmatch(string(data), -1) {
			args[m[1]] = 2
		}
	}
	for _, lang := range locales.Supported {
		l := b.For(lang)
		for id := range ids {
			got := l.TMap(id, args)
			if got == id || got == "" || strings.Contains(got, "<no value>") {
				t.Errorf("%s: %q renders as %q", lang, id, got)
			}
		}
	}
}

func TestLanguageNegotiation(t *testing.T) {
	cases := map[string]string{
		"zh-CN,zh;q=0.9,en;q=0.8": "zh-Hans",
		"zh":                      "zh-Hans",
		"zh-SG":                   "zh-Hans",
		"zh-Hans-CN":              "zh-Hans",
		"en-GB,en;q=0.9":          "en",
		"fr-FR,de;q=0.5":          "en",
		"fr-FR,zh-CN;q=0.5":       "zh-Hans",
		"":                        "en",
		"!!garbage!!":             "en",
	}
	for header, want := range cases {
		if got := locales.FromAcceptLanguage(header); got != want {
			t.Errorf("Accept-Language %q → %q, want %q", header, got, want)
		}
	}
	if _, ok := locales.Normalize("xx"); ok {
		t.Error("an unknown language was accepted")
	}
}

func TestACountOfOneStillTranslates(t *testing.T) {
	b, _ := locales.New()
	for _, lang := range locales.Supported {
		if got := b.For(lang).T("people_count", "Count", 1); got == "people_count" || !strings.Contains(got, "1") {
			t.Errorf("%s: a count of one renders %q", lang, got)
		}
	}
}

func TestDatesAreFormattedForTheLanguage(t *testing.T) {
	b, _ := locales.New()
	d := time.Date(2026, 3, 2, 15, 4, 0, 0, time.UTC)
	if got := b.For("en").Date(d); got != "2 March 2026" {
		t.Errorf("en date %q", got)
	}
	if got := b.For("zh-Hans").Date(d); got != "2026年3月2日" {
		t.Errorf("zh-Hans date %q", got)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	if got := b.For("zh-Hans").DateTime(d, sh); got != "2026年3月2日 23:04 CST" {
		t.Errorf("zh-Hans date-time %q", got)
	}
}

func TestBothLanguagesUseTheSamePlaceholders(t *testing.T) {
	values := map[string]map[string]string{}
	for _, lang := range locales.Supported {
		values[lang] = map[string]string{}
		names, _ := fs.Glob(locales.Files(), "*.toml")
		for _, n := range names {
			if n != lang+".toml" && !strings.HasSuffix(n, "."+lang+".toml") {
				continue
			}
			var m map[string]string
			data, _ := fs.ReadFile(locales.Files(), n)
			if err := toml.Unmarshal(data, &m); err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			for k, v := range m {
				values[lang][k] = v
			}
		}
	}
	set := func(s string) string {
		var names []string
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			names = append(names, m[1])
		}
		slices.Sort(names)
		return strings.Join(slices.Compact(names), ",")
	}
	for id, en := range values["en"] {
		if zh, ok := values["zh-Hans"][id]; ok && set(en) != set(zh) {
			t.Errorf("%s: en uses {%s}, zh-Hans uses {%s}", id, set(en), set(zh))
		}
	}
}
