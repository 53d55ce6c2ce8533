package admin

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"custos/app/apperr"
	"custos/app/people"
)

// auditForm is the auditor-access part of the person form, as typed: one course slug or
// department per line, and the last day the account works.
type auditForm struct {
	Courses, Departments, Until string
}

func auditFormOf(p *people.Person) auditForm {
	return auditForm{Courses: strings.Join(p.AuditCourses, "\n"), Departments: strings.Join(p.AuditDepartments, "\n"),
		Until: p.AuditUntil.String()}
}

func readAuditForm(c *fiber.Ctx) auditForm {
	return auditForm{Courses: formValue(c, "audit_courses"), Departments: formValue(c, "audit_departments"),
		Until: formValue(c, "audit_until")}
}

// access turns the fields into what is stored. Only auditors keep a scope and an expiry: the
// fields are cleared for every other role, so a later change back to auditor starts afresh
// instead of reviving an old grant unseen.
func (f auditForm) access(role people.Role) (*people.AuditAccess, *apperr.Error) {
	if role != people.Auditor {
		return &people.AuditAccess{}, nil
	}
	until, err := people.ParseDate(f.Until)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "error_date_invalid", "Column", "audit_until", "Value", f.Until)
	}
	return &people.AuditAccess{Courses: people.ParseLines(f.Courses), Departments: people.ParseLines(f.Departments), Until: until}, nil
}

// auditDetail describes an auditor's access for the audit log; "" for other roles.
func auditDetail(p *people.Person) string {
	if p.Role != people.Auditor {
		return ""
	}
	return "courses=" + strings.Join(p.AuditCourses, ",") + "; departments=" + strings.Join(p.AuditDepartments, ",") +
		"; until=" + p.AuditUntil.String()
}
