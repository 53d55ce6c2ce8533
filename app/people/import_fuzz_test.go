package people

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"custos/app/apperr"
)

// FuzzImportCSV feeds arbitrary files to the HR import, as far as it goes without a database:
// reading (ReadCSV) and checking against the people already stored (planImport). It must never
// panic, and must either refuse with lines and messages, or plan only people who could be
// stored: valid addresses, each once, names and departments of valid UTF-8 without control
// characters (PostgreSQL refuses invalid UTF-8, which would turn a bad file into a server
// error), known roles and languages, managers who exist, and no manager cycle.
//
//	go test -run='^$' -fuzz='^FuzzImportCSV$' -fuzztime=10s ./app/people/
func FuzzImportCSV(f *testing.F) {
	for _, seed := range []string{
		"\ufeffname,email,role,department,manager_email,locale,hired_on,left_on\r\n" +
			"王强,Wang.Qiang@Example.com,manager,Customer Service,,zh-Hans,2020-01-06,\r\n" +
			"张伟,zhang.wei@example.com,,Customer Service,wang.qiang@example.com,zh-Hans,2023-04-01,\r\n" +
			"\"O'Brien, Aoife\",aoife@example.com,employee,Sales,boss@example.com,en,2022-09-01,2026-10-31\r\n",
		"email,name\nann@example.com,Ann\n\n  ,  \nbob@example.com,Bob\n",
		"email,name,manager_email\na@example.com,A,b@example.com\nb@example.com,B,a@example.com\n",
		"email,name,manager_email\nboss@example.com,Boss,a@example.com\na@example.com,A,\n",
		"email,name,department\nann@example.com,Ann,Caf\xe9\n",
		"email,name\nann@example.com,\"Ann\nSmith\"\n",
		"email,name\nann@example.com,\"unterminated\n",
		"email,name,email\n",
		"email,nickname\n",
		"email,name,hired_on,left_on\nann@example.com,Ann,2026-02-30,2020-01-01\n",
		"email,name,role,locale\nann@example.com,Ann,ROOT,fr\n",
		"email,name\n\"Ann <ann@example.com>\",Ann\nann@example.com,Ann\nANN@example.com,Again\n",
		"email,name\nann@example.com,=HYPERLINK(\"http://evil\")\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	existing := []Person{
		{ID: 1, Email: "boss@example.com", Name: "Boss", Role: Manager, Locale: "en", TimeZone: DefaultTimeZone, Active: true},
		{ID: 2, Email: "a@example.com", Name: "A", Role: Employee, Locale: "en", TimeZone: DefaultTimeZone, Active: true, ManagerID: ptr(int64(1))},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadCSV(strings.NewReader(string(data)))
		if err != nil {
			checkRefusal(t, err)
			return
		}
		for _, r := range rows {
			if r.Line < 2 {
				t.Fatalf("a row on line %d, before the first after the header", r.Line)
			}
		}
		plan, err := planImport(rows, cloned(existing))
		if err != nil {
			checkRefusal(t, err)
			return
		}
		seen := map[string]bool{}
		stored := map[string]bool{}
		for _, p := range existing {
			stored[p.Email] = true
		}
		for i, p := range plan.people {
			switch {
			case !ValidEmail(p.Email) || p.Email != NormalizeEmail(p.Email):
				t.Fatalf("planned address %q is not a valid, normalized address", p.Email)
			case seen[p.Email]:
				t.Fatalf("%s planned twice", p.Email)
			case strings.TrimSpace(p.Name) == "" || !utf8.ValidString(p.Name) || hasControl(p.Name):
				t.Fatalf("%s: planned name %q", p.Email, p.Name)
			case !utf8.ValidString(p.Department) || hasControl(p.Department) || utf8.RuneCountInString(p.Department) > MaxDepartmentLen:
				t.Fatalf("%s: planned department %q", p.Email, p.Department)
			case !p.Role.Valid() || !validLocale(p.Locale):
				t.Fatalf("%s: planned role %q, locale %q", p.Email, p.Role, p.Locale)
			case !p.HiredOn.IsZero() && !p.LeftOn.IsZero() && p.HiredOn.After(p.LeftOn):
				t.Fatalf("%s: hired %v after leaving %v", p.Email, p.HiredOn, p.LeftOn)
			}
			seen[p.Email] = true
			if m := plan.managers[i]; m != nil && *m != "" && *m == p.Email {
				t.Fatalf("%s manages themself", p.Email)
			}
		}
		managerOf := map[string]string{"a@example.com": "boss@example.com"}
		for i, p := range plan.people {
			if m := plan.managers[i]; m != nil {
				if *m != "" && !seen[*m] && !stored[*m] {
					t.Fatalf("%s: manager %q is neither in the file nor stored", p.Email, *m)
				}
				managerOf[p.Email] = *m
			}
		}
		for e := range managerOf {
			if inCycle(e, managerOf) {
				t.Fatalf("the plan makes a manager cycle through %s", e)
			}
		}
	})
}

// checkRefusal fails unless err is a refusal a person can act on: too large, or bad lines, each
// with a line number and a message key.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) {
		if apperr.CodeOf(err) != apperr.TooLarge {
			t.Fatalf("refused with %T %v", err, err)
		}
		return
	}
	if len(ie.Problems) == 0 {
		t.Fatal("an ImportError without problems")
	}
	for _, p := range ie.Problems {
		if p.Line < 1 || p.Err == nil || p.Err.Key == "" {
			t.Fatalf("problem %+v names no line or message", p)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// cloned copies existing: planImport changes the people it is given.
func cloned(ps []Person) []Person { return append([]Person(nil), ps...) }
