package people_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/dbtest"
	"custos/app/people"
)

var now = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

func importCSV(t *testing.T, db *bun.DB, csv string) (people.ImportResult, error) {
	t.Helper()
	rows, err := people.ReadCSV(strings.NewReader(csv))
	if err != nil {
		return people.ImportResult{}, err
	}
	var res people.ImportResult
	err = db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, _, err = people.ImportTx(ctx, tx, rows, now, nil)
		return err
	})
	return res, err
}

func count(t *testing.T, db *bun.DB) int {
	t.Helper()
	n, err := people.Count(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const goodExport = "\ufeffname,email,role,department,manager_email,locale,hired_on,left_on\r\n" +
	"王强,Wang.Qiang@Example.com,manager,Customer Service,,zh-Hans,2020-01-06,\r\n" +
	"张伟,zhang.wei@example.com,,Customer Service,wang.qiang@example.com,zh-Hans,2023-04-01,\r\n" +
	"José García,jose@example.com,employee,Sales,zhang.wei@example.com,en,2024-02-29,\r\n" +
	"\"O'Brien, Aoife\",aoife@example.com,employee,Sales,wang.qiang@example.com,en,2022-09-01,2026-10-31\r\n"

func TestImportTakesAnHRExportAndIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, _ string, db *bun.DB) {
		ctx := context.Background()
		res, err := importCSV(t, db, goodExport)
		if err != nil {
			t.Fatal(err)
		}
		if res != (people.ImportResult{Created: 4}) {
			t.Fatalf("first import: %+v, want 4 created", res)
		}
		p, err := people.ByEmail(ctx, db, "WANG.QIANG@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "王强" || p.Role != people.Manager || p.Locale != "zh-Hans" || p.HiredOn.String() != "2020-01-06" {
			t.Errorf("imported %+v", p)
		}
		aoife, _ := people.ByEmail(ctx, db, "aoife@example.com")
		if aoife.Name != "O'Brien, Aoife" || aoife.Current(now) {
			t.Errorf("leaver %q current=%v, want not current after 2026-10-31", aoife.Name, aoife.Current(now))
		}
		team, err := people.Team(ctx, db, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(team) != 3 {
			t.Errorf("王强's team has %d people, want 3 (two direct, one indirect)", len(team))
		}

		again, err := importCSV(t, db, goodExport)
		if err != nil {
			t.Fatal(err)
		}
		if again != (people.ImportResult{Unchanged: 4}) {
			t.Fatalf("second import: %+v, want 4 unchanged", again)
		}
		later, _ := people.ByEmail(ctx, db, "jose@example.com")
		if !later.UpdatedAt.Equal(now) {
			t.Errorf("re-import touched an unchanged row")
		}
	})
}

func TestImportKeepsPeopleMissingFromALaterFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, _ string, db *bun.DB) {
		if _, err := importCSV(t, db, goodExport); err != nil {
			t.Fatal(err)
		}
		res, err := importCSV(t, db, "email,name\nnew@example.com,New Person\n")
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 1 || count(t, db) != 5 {
			t.Fatalf("result %+v with %d people, want 1 created and 5 in all", res, count(t, db))
		}
	})
}

func TestImportRefusesAFileWithAnyBadRowAndWritesNothing(t *testing.T) {
	cases := []struct {
		name, csv string
		line      int
		key       string
	}{
		{"missing email", "email,name\n,Nobody\n", 2, "error_email_missing"},
		{"invalid email", "email,name\nnot-an-address,Nobody\n", 2, "error_email_invalid"},
		{"duplicate email", "email,name\na@example.com,A\nb@example.com,B\nA@EXAMPLE.COM,A again\n", 4, "error_import_duplicate_email"},
		{"unknown role", "email,name,role\na@example.com,A,boss\n", 2, "error_role_unknown"},
		{"unknown manager", "email,name,manager_email\na@example.com,A,ghost@example.com\n", 2, "error_manager_unknown"},
		{"own manager", "email,name,manager_email\na@example.com,A,a@example.com\n", 2, "error_manager_self"},
		{"manager cycle", "email,name,manager_email\na@example.com,A,b@example.com\nb@example.com,B,c@example.com\nc@example.com,C,a@example.com\n", 2, "error_manager_cycle"},
		{"bad date", "email,name,hired_on\na@example.com,A,31/12/2025\n", 2, "error_date_invalid"},
		{"unknown locale", "email,name,locale\na@example.com,A,fr\n", 2, "error_locale_unknown"},
		{"name of 10,000 characters", "email,name\na@example.com," + strings.Repeat("名", 10000) + "\n", 2, "error_name_too_long"},
		{"control character in name", "email,name\na@example.com,\"A\x07B\"\n", 2, "error_name_invalid"},
		{"wrong column count", "email,name\na@example.com,A,extra\n", 2, "error_import_field_count"},
		{"unknown column", "email,name,salary\na@example.com,A,1\n", 1, "error_import_unknown_column"},
		{"missing name column", "email,department\na@example.com,Sales\n", 1, "error_import_missing_column"},
		{"unterminated quote", "email,name\na@example.com,\"A\n", 2, "error_import_malformed"},
		{"empty file", "", 1, "error_import_empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, _ string, db *bun.DB) {
				// A good row before the bad one must not be imported either.
				csv := tc.csv
				if strings.Count(csv, "\n") >= 2 && tc.line > 1 {
					header, rest, _ := strings.Cut(csv, "\n")
					cols := strings.Count(header, ",")
					csv = header + "\n" + "good@example.com,Good" + strings.Repeat(",", cols-1) + "\n" + rest
				}
				_, err := importCSV(t, db, csv)
				var ie *people.ImportError
				if !errors.As(err, &ie) {
					t.Fatalf("import returned %v, want an ImportError", err)
				}
				want := tc.line
				if csv != tc.csv {
					want++
				}
				found := false
				for _, p := range ie.Problems {
					found = found || (p.Line == want && p.Err.Key == tc.key)
				}
				if !found {
					t.Fatalf("problems %v, want %s on line %d", ie, tc.key, want)
				}
				if n := count(t, db); n != 0 {
					t.Fatalf("%d people stored after a refused import", n)
				}
			})
		})
	}
}

func TestImportReportsEveryBadLineAtOnce(t *testing.T) {
	rows := "email,name,role\na@example.com,A,boss\n,B,employee\nc@example.com,C,chief\n"
	_, err := people.ReadCSV(strings.NewReader(rows))
	if err != nil {
		t.Fatal(err) // field checks happen when planning, not reading
	}
	dbtest.Each(t, func(t *testing.T, _ string, db *bun.DB) {
		_, err := importCSV(t, db, rows)
		var ie *people.ImportError
		if !errors.As(err, &ie) || len(ie.Problems) != 3 {
			t.Fatalf("got %v, want three problems", err)
		}
		for i, line := range []int{2, 3, 4} {
			if ie.Problems[i].Line != line {
				t.Errorf("problem %d on line %d, want %d", i, ie.Problems[i].Line, line)
			}
		}
	})
}

func TestImportRefusesACycleThroughPeopleAlreadyStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, _ string, db *bun.DB) {
		if _, err := importCSV(t, db, "email,name,manager_email\nboss@example.com,Boss,\nmid@example.com,Mid,boss@example.com\n"); err != nil {
			t.Fatal(err)
		}
		_, err := importCSV(t, db, "email,name,manager_email\nboss@example.com,Boss,mid@example.com\n")
		var ie *people.ImportError
		if !errors.As(err, &ie) || ie.Problems[0].Err.Key != "error_manager_cycle" {
			t.Fatalf("got %v, want a manager cycle", err)
		}
	})
}

func TestImportRefusesAFileOverTheSizeLimit(t *testing.T) {
	big := "email,name\n" + strings.Repeat("someone@example.com,Some One\n", people.MaxImportBytes/28+10)
	_, err := people.ReadCSV(strings.NewReader(big))
	if apperr.CodeOf(err) != apperr.TooLarge {
		t.Fatalf("got %v, want too large", err)
	}
}

func TestSaveRefusesAManagerCycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, _ string, db *bun.DB) {
		ctx := context.Background()
		if _, err := importCSV(t, db, "email,name,manager_email\na@example.com,A,\nb@example.com,B,a@example.com\n"); err != nil {
			t.Fatal(err)
		}
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			m := "b@example.com"
			_, _, _, err := people.Save(ctx, tx, people.Change{Email: "a@example.com", Manager: &m}, now)
			return err
		})
		if e, ok := apperr.As(err); !ok || e.Key != "error_manager_cycle" {
			t.Fatalf("got %v, want a manager cycle", err)
		}
	})
}

func TestDateRoundTripsOnBothDialects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, _ string, db *bun.DB) {
		if _, err := importCSV(t, db, "email,name,hired_on,left_on\nd@example.com,D,2024-02-29,2026-12-31\n"); err != nil {
			t.Fatal(err)
		}
		p, err := people.ByEmail(context.Background(), db, "d@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if p.HiredOn.String() != "2024-02-29" || p.LeftOn.String() != "2026-12-31" {
			t.Fatalf("dates read back as %s and %s", p.HiredOn, p.LeftOn)
		}
	})
}
