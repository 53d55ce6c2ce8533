package attest

import (
	"fmt"
	"slices"
	"sort"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/people"
	"custos/app/server"
	"custos/courses"
)

// teamMember is one person on the team page with their newest signature of a document.
type teamMember struct {
	Person people.Person
	Latest *Signature // newest signature in any version; nil for none
}

// teamUndertaking is one undertaking with who in the team has signed its current version.
type teamUndertaking struct {
	Name     string
	Title    string
	Versions []string
	Unsigned []teamMember
	Signed   []teamMember
}

type teamPage struct {
	server.Page
	Undertakings []teamUndertaking
}

// showTeam shows a manager, for each undertaking their team must sign, who has not yet signed
// its current version (with any earlier signature) and who has. Someone is in scope when a
// course that requires the undertaking is for them; leavers and people not yet hired are not.
func (h *Handler) showTeam(c *fiber.Ctx) error {
	ctx, v, now, lang := c.UserContext(), server.ViewerOf(c), h.s.Now(), server.Lang(c)
	team, err := people.Team(ctx, h.s.DB, v.ID)
	if err != nil {
		return err
	}
	var present []people.Person
	for _, p := range team {
		if p.Current(now) && (p.HiredOn.IsZero() || !p.HiredOn.After(people.DateOf(now))) {
			present = append(present, p)
		}
	}
	signed, err := h.teamSignatures(c, present)
	if err != nil {
		return err
	}
	page := &teamPage{}
	for _, u := range undertakings(h.training.Catalog()) {
		tu := teamUndertaking{Name: u.Name, Title: u.Doc(lang).Title, Versions: CurrentVersions(u)}
		for _, p := range present {
			if !inScope(h.training.Catalog(), u, &p) {
				continue
			}
			sigs := signed[signer{p.ID, u.Name}]
			if i := slices.IndexFunc(sigs, func(s *Signature) bool { return slices.Contains(tu.Versions, s.Version) }); i >= 0 {
				tu.Signed = append(tu.Signed, teamMember{Person: p, Latest: sigs[i]})
			} else if len(sigs) > 0 {
				tu.Unsigned = append(tu.Unsigned, teamMember{Person: p, Latest: sigs[0]})
			} else {
				tu.Unsigned = append(tu.Unsigned, teamMember{Person: p})
			}
		}
		page.Undertakings = append(page.Undertakings, tu)
	}
	return h.s.Render(c, "team_signatures", page)
}

type signer struct {
	person   int64
	document string
}

// teamSignatures loads the team's signatures, newest first, by person and document.
func (h *Handler) teamSignatures(c *fiber.Ctx, team []people.Person) (map[signer][]*Signature, error) {
	out := map[signer][]*Signature{}
	for chunk := range slices.Chunk(team, 500) {
		ids := make([]int64, len(chunk))
		for i, p := range chunk {
			ids[i] = p.ID
		}
		var rows []Signature
		err := h.s.DB.NewSelect().Model(&rows).
			Column("id", "person_id", "document", "version", "locale", "typed_name", "signed_at").
			Where("person_id IN (?)", bun.In(ids)).Order("signed_at DESC", "id DESC").Scan(c.UserContext())
		if err != nil {
			return nil, fmt.Errorf("load team signatures: %w", err)
		}
		for i := range rows {
			k := signer{rows[i].PersonID, rows[i].Document}
			out[k] = append(out[k], &rows[i])
		}
	}
	return out, nil
}

// undertakings lists the catalogue's undertakings that some course requires, by name.
func undertakings(cat *courses.Catalog) []*courses.Undertaking {
	seen := map[string]*courses.Undertaking{}
	for _, c := range cat.Courses {
		if c.HasUndertaking() {
			seen[c.Undertaking.Name] = c.Undertaking
		}
	}
	out := make([]*courses.Undertaking, 0, len(seen))
	for _, u := range seen {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// inScope reports whether some course requiring u is for p.
func inScope(cat *courses.Catalog, u *courses.Undertaking, p *people.Person) bool {
	for _, c := range cat.Courses {
		if c.HasUndertaking() && c.Undertaking.Name == u.Name && c.InScope(p.Department, string(p.Role)) {
			return true
		}
	}
	return false
}
