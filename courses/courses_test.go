package courses

import (
	"testing"
	"testing/fstest"
)

func TestInScope(t *testing.T) {
	everyone := &Course{}
	sales := &Course{Scope: Scope{Departments: []string{"Sales", "Customer Service"}}}
	employees := &Course{Scope: Scope{Roles: []string{"employee"}}}
	auditors := &Course{Scope: Scope{Roles: []string{"auditor"}}}
	salesManagers := &Course{Scope: Scope{Departments: []string{"Sales"}, Roles: []string{"manager"}}}
	tests := []struct {
		name       string
		c          *Course
		dept, role string
		want       bool
	}{
		{"an empty scope takes in everyone", everyone, "", "auditor", true},
		{"a listed department is in scope", sales, "Customer Service", "employee", true},
		{"departments match ignoring case and spaces", sales, " customer service ", "employee", true},
		{"another department is out of scope", sales, "Finance", "employee", false},
		{"no department is out of a department scope", sales, "", "employee", false},
		{"an employee scope takes in managers, who train too", employees, "Finance", "manager", true},
		{"an employee scope takes in admins, who train too", employees, "IT", "admin", true},
		{"an employee scope leaves out auditors", employees, "", "auditor", false},
		{"an auditor scope leaves out employees", auditors, "", "employee", false},
		{"department and role must both match", salesManagers, "Sales", "employee", false},
		{"department and role both matching is in scope", salesManagers, "sales", "manager", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.InScope(tt.dept, tt.role); got != tt.want {
				t.Errorf("InScope(%q, %q) = %v", tt.dept, tt.role, got)
			}
		})
	}
}

func TestBuiltinIsAWellBehavedFS(t *testing.T) {
	if err := fstest.TestFS(Builtin(), "courses/undertakings/confidentiality.en.md", "quizzes/customer-information.toml"); err != nil {
		t.Error(err)
	}
}

func TestMountFSRejectsUnknownRoots(t *testing.T) {
	if _, err := Builtin().Open("web/index.html"); err == nil {
		t.Error("opened a path outside the mounts")
	}
	if _, err := Builtin().Open("../etc/passwd"); err == nil {
		t.Error("opened an invalid path")
	}
}
