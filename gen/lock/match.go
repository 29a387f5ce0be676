package lock

import (
	"strconv"
	"strings"
)

// Member is a method, field, parameter, result or enum value as the
// rename rule sees it: its wire name and ordinal, whether it is a retired
// placeholder, and (for a current member) the wire name its was= names.
type Member struct {
	Name    string // wire name
	Ordinal int
	Retired bool   // a retired placeholder ("<former>Retired<ordinal>")
	Was     string // current members only: the wire name was= names, or ""
}

// Match is the rename rule, the one both Apply and the breaking check
// use: it returns, for each current member cur[i], the index in old of
// the baseline member it is, or -1 when it is none of them (it is new).
//
// A current member is, in this order:
//
//  1. the retired old placeholder its Was names, by the placeholder's
//     name ("unwatchRetired4") or by the name it had before it was
//     retired ("unwatch"): a removed member restored onto its slot, or a
//     rename whose was= came one generation late (the lock already
//     retired the old name and gave the new one a fresh ordinal, which
//     is retired in turn);
//  2. the live (not retired) old member of its own wire name;
//  3. the live old member its Was names, when no current member keeps
//     that name by rule 2 (a rename with was=).
//
// Each old member is matched at most once; a later claim on it by Was
// gets -1 (the caller decides whether that is an error). Retired current
// members are never matched.
func Match(old, cur []Member) []int {
	out := make([]int, len(cur))
	taken := make([]bool, len(old))
	live := make(map[string]int)
	retired := make(map[string]int)
	for i, o := range old {
		if o.Retired {
			retired[o.Name] = i
			if former := FormerName(o.Name, o.Ordinal); former != o.Name {
				if _, dup := retired[former]; !dup {
					retired[former] = i
				}
			}
			continue
		}
		live[o.Name] = i
	}
	for i, c := range cur {
		out[i] = -1
		if c.Retired || c.Was == "" {
			continue
		}
		if j, ok := retired[c.Was]; ok && !taken[j] {
			out[i] = j
			taken[j] = true
		}
	}
	for i, c := range cur {
		if out[i] >= 0 || c.Retired {
			continue
		}
		if j, ok := live[c.Name]; ok {
			out[i] = j
			taken[j] = true
		}
	}
	for i, c := range cur {
		if out[i] >= 0 || c.Retired || c.Was == "" {
			continue
		}
		if j, ok := live[c.Was]; ok && !taken[j] {
			out[i] = j
			taken[j] = true
		}
	}
	return out
}

// PlaceholderName is the wire name of the retired placeholder that keeps
// the ordinal of the removed member name: "<name>Retired<ordinal>".
func PlaceholderName(name string, ordinal int) string {
	return name + "Retired" + strconv.Itoa(ordinal)
}

// FormerName is the wire name a retired placeholder's member had: name
// without its "Retired<ordinal>" suffix, or name itself when it has none.
func FormerName(name string, ordinal int) string {
	if former, ok := strings.CutSuffix(name, "Retired"+strconv.Itoa(ordinal)); ok && former != "" {
		return former
	}
	return name
}
