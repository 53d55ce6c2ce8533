package audit

import (
	"github.com/uptrace/bun"
)

// Scope limits what a reader sees of the log to the entries about the people and courses their
// grant covers; empty lists mean all. An entry is about what its subject names: a person
// ("person:ID"), or an assignment, certificate or signature, each of one person and one course.
// Entries about anything else (a failed sign-in of an address, a token, a download) are outside
// every limited scope, and so are a person's own events (sign-in, sign-out, changes to their
// record) once the courses are limited, since they are about no course.
type Scope struct {
	Courses     []string
	Departments []string
}

func (s Scope) limited() bool { return len(s.Courses) > 0 || len(s.Departments) > 0 }

// subjectTables are the subjects that name a person and a course: the prefix, the table, and how
// the table's row is matched to the rest of the subject. CASE, not AND, guards each lookup, as
// PostgreSQL may evaluate the operands of AND in any order and a cast of another subject's rest
// would fail.
var subjectTables = []struct{ prefix, table, match string }{
	{"assignment:", "assignments", "x.id = CAST(substr(entry.subject, 12) AS BIGINT)"},
	{"certificate:", "certificates", "x.serial = substr(entry.subject, 13)"},
	{"signature:", "signatures", "x.id = CAST(substr(entry.subject, 11) AS BIGINT)"},
}

// apply adds s's condition to a query on the log (whose rows are aliased "entry").
func (s Scope) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if !s.limited() {
		return q
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		dept := func(q *bun.SelectQuery) *bun.SelectQuery {
			if len(s.Departments) > 0 {
				q = q.Where("p.department IN (?)", bun.In(s.Departments))
			}
			return q
		}
		if len(s.Courses) == 0 {
			person := dept(q.NewSelect().ColumnExpr("1").TableExpr("people AS p").
				Where("p.id = CAST(substr(entry.subject, 8) AS BIGINT)"))
			q = q.WhereOr("CASE WHEN entry.subject LIKE 'person:%' THEN EXISTS (?) ELSE FALSE END", person)
		}
		for _, t := range subjectTables {
			sub := q.NewSelect().ColumnExpr("1").TableExpr(t.table + " AS x").
				Join("JOIN people AS p ON p.id = x.person_id").Where(t.match)
			if len(s.Courses) > 0 {
				sub = sub.Where("x.course IN (?)", bun.In(s.Courses))
			}
			q = q.WhereOr("CASE WHEN entry.subject LIKE ? THEN EXISTS (?) ELSE FALSE END", t.prefix+"%", dept(sub))
		}
		return q
	})
}
