package security_test

import "testing"

// TestSecuritySuite builds one world per database (the demo company, hostile people and content,
// every role signed in) and runs the checks that need it, in an order where only the last one
// changes anything.
func TestSecuritySuite(t *testing.T) {
	forEachDialect(t, func(t *testing.T, w *world) {
		t.Run("every GET route answers each role as the table says", w.testMatrix)
		t.Run("hostile names and content are escaped in pages and literal in PDFs and CSV", w.testHostileText)
		t.Run("every form route refuses a forged request and changes nothing", w.testCSRF)
	})
}
