package reports

import (
	"context"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/people"
	"custos/app/server"
)

// Scope is the part of the company a reader may see: admins everyone, managers everyone below
// them in the manager chain, auditors the courses and departments they were granted.
type Scope struct {
	Role        people.Role
	ManagerID   int64        // managers: the root of their team
	Courses     people.Lines // auditors: the courses they may read; empty for all
	Departments people.Lines // auditors: the departments they may read; empty for all
}

// ScopeFor returns what the viewer may read, or forbidden for someone who may read no report.
// An auditor's grant is read from their record on every request, so a narrowed grant applies
// at once.
func ScopeFor(ctx context.Context, db bun.IDB, v *server.Viewer) (Scope, error) {
	if v == nil {
		return Scope{}, apperr.New(apperr.Unauthorized, "error_sign_in")
	}
	switch people.Role(v.Role) {
	case people.Admin:
		return Scope{Role: people.Admin}, nil
	case people.Manager:
		return Scope{Role: people.Manager, ManagerID: v.ID}, nil
	case people.Auditor:
		p, err := people.ByID(ctx, db, v.ID)
		if err != nil {
			return Scope{}, err
		}
		return Scope{Role: people.Auditor, Courses: p.AuditCourses, Departments: p.AuditDepartments}, nil
	}
	return Scope{}, apperr.New(apperr.Forbidden, "error_forbidden")
}

// HasCourse reports whether the scope lets its reader see course.
func (s Scope) HasCourse(course string) bool {
	return len(s.Courses) == 0 || slices.Contains(s.Courses, course)
}

// HasDepartment reports whether the scope lets its reader see people of department.
func (s Scope) HasDepartment(department string) bool {
	return len(s.Departments) == 0 || slices.Contains(s.Departments, department)
}

// Describe names the scope for audit records.
func (s Scope) Describe() string {
	switch s.Role {
	case people.Manager:
		return "team"
	case people.Auditor:
		return "courses=" + strings.Join(s.Courses, ",") + ";departments=" + strings.Join(s.Departments, ",")
	}
	return "all"
}

// where collects the conditions of a query on assignments a joined with people p.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "TRUE"
	}
	return "(" + strings.Join(w.conds, ") AND (") + ")"
}

// apply limits a query to the scope.
func (s Scope) apply(w *where) {
	switch s.Role {
	case people.Admin:
	case people.Manager:
		w.add("p.id IN ("+people.TeamIDs+")", s.ManagerID)
	case people.Auditor:
		if len(s.Courses) > 0 {
			w.add("a.course IN (?)", bun.In([]string(s.Courses)))
		}
		if len(s.Departments) > 0 {
			w.add("p.department IN (?)", bun.In([]string(s.Departments)))
		}
	default:
		w.add("FALSE") // nobody else reads reports; never reached through the routes
	}
}
