package locales_test

import (
	"strings"
	"testing"
	"time"

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

func TestEveryMessageRendersInBothLanguages(t *testing.T) {
	b, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := locales.IDs("en")
	args := map[string]any{"Count": 2, "Name": "张伟", "Email": "a@example.com", "Max": 1, "Min": 1, "Line": 3, "Message": "m",
		"Minutes": 5, "Date": "d", "Role": "r", "Locale": "l", "Zone": "z", "Column": "c", "Value": "v", "First": 1,
		"MaxMB": 20, "Detail": "d", "Created": 1, "Updated": 1, "Unchanged": 1}
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
