package breaking

// member is a method, field, parameter, result or enum value: what
// matching needs of it.
type member struct {
	name    string // wire name
	ordinal int
	retired bool
	was     string // current members: the wire name it had before a rename (was=), or ""
	index   int    // its index in the list it came from
}

// matchEvents receives what match finds; nil functions are not called.
type matchEvents struct {
	// same: a baseline member and the current member that is it (by name
	// or by was=), whether at the same ordinal or, after moved, not.
	same func(old, cur member)
	// removed: a baseline member has no current member, and its ordinal
	// holds no Retired placeholder and no member that could be it; holder
	// is the current member at its ordinal, or nil.
	removed func(old member, holder *member)
	// moved: the current member that is a baseline member has another
	// ordinal.
	moved func(old, cur member)
	// renamed: a baseline member's ordinal holds a current member of a
	// name the baseline does not have, that does not name it as was=.
	renamed func(old, cur member)
	// reused: a baseline Retired placeholder's ordinal holds a current
	// member that is none of the baseline's.
	reused func(old, cur member)
	// added: a current member that is none of the baseline's.
	added func(cur member)
}

// match pairs baseline members with current ones and reports every
// difference to ev. Members are compared by wire name: a current member is
// a baseline member when it has its name, or names it with was= (and the
// baseline has no member of its own name). Ordinals are the wire identity,
// so a pair at different ordinals is a move, and a new name at a baseline
// ordinal is a rename or a reuse.
func match(old, cur []member, ev matchEvents) {
	for i := range old {
		old[i].index = i
	}
	for i := range cur {
		cur[i].index = i
	}
	oldLive := make(map[string]member)
	for _, m := range old {
		if !m.retired {
			oldLive[m.name] = m
		}
	}
	curLive := make(map[string]member)
	curByWas := make(map[string]member)
	curAt := make(map[int]member)
	for _, m := range cur {
		curAt[m.ordinal] = m
		if m.retired {
			continue
		}
		curLive[m.name] = m
		if m.was != "" {
			if _, own := oldLive[m.name]; !own {
				curByWas[m.was] = m
			}
		}
	}
	// identity returns the baseline member cur is, if any.
	identity := func(m member) (member, bool) {
		if o, ok := oldLive[m.name]; ok {
			return o, true
		}
		if m.was != "" {
			if o, ok := oldLive[m.was]; ok {
				if _, taken := curLive[m.was]; !taken {
					return o, true
				}
			}
		}
		return member{}, false
	}
	call2 := func(f func(a, b member), a, b member) {
		if f != nil {
			f(a, b)
		}
	}

	claimed := make(map[int]bool) // current members reported as renamed or reused
	for _, o := range old {
		if o.retired {
			holder, ok := curAt[o.ordinal]
			if !ok || holder.retired {
				continue
			}
			if _, known := identity(holder); !known {
				claimed[holder.index] = true
				call2(ev.reused, o, holder)
			}
			continue
		}
		n, ok := curLive[o.name]
		if !ok {
			n, ok = curByWas[o.name]
		}
		if ok {
			if n.ordinal != o.ordinal {
				call2(ev.moved, o, n)
			}
			call2(ev.same, o, n)
			continue
		}
		holder, ok := curAt[o.ordinal]
		switch {
		case !ok:
			if ev.removed != nil {
				ev.removed(o, nil)
			}
		case holder.retired:
			// Retired at its ordinal: safe.
		default:
			if _, known := identity(holder); known {
				// Another baseline member moved here (reported as
				// its move); this one is gone.
				if ev.removed != nil {
					ev.removed(o, &holder)
				}
			} else {
				claimed[holder.index] = true
				call2(ev.renamed, o, holder)
			}
		}
	}
	for _, n := range cur {
		if n.retired {
			continue
		}
		if _, known := identity(n); known || claimed[n.index] {
			continue
		}
		if ev.added != nil {
			ev.added(n)
		}
	}
}
