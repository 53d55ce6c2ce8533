// Package security is Custos's security suite. It holds no code, only tests that run a whole
// Custos filled with the demo company, hostile names and hostile course content, and walk every
// route the server has:
//
//   - every state-changing form route refuses a request without the session's CSRF token and
//     changes no row of any table;
//   - every GET route answers each role (anonymous, an employee who owns nothing, the owner, the
//     owner's manager, another team's manager, an auditor, an admin) as an explicit table says:
//     someone else's certificate, receipt or quiz result is 404, as if it did not exist;
//   - every response carries the security headers, and every cookie its flags;
//   - names, departments and content built to break out of HTML are escaped in every page and
//     printed literally in PDFs and CSV, where formulas are defused;
//   - oversize bodies and NUL bytes are refused before they reach a handler.
//
// A new route fails the suite until it is classified, so nobody adds a page without deciding
// who may open it. The fuzz tests of the parsers live beside them (people, courses, quizzes,
// attest, api).
package security
