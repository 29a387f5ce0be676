package breaking

import "github.com/ifacegen/ifacegen/gen/lock"

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

// match pairs baseline members with current ones by the rename rule
// (lock.Match, the rule the lock applies when it numbers them) and
// reports every difference to ev. Ordinals are the wire identity, so a
// pair at different ordinals is a move, and a new name at a baseline
// ordinal is a rename or a reuse. A current member that restores a
// baseline retired placeholder (was= names it) is safe: peers built from
// the baseline do not call it.
func match(old, cur []member, ev matchEvents) {
	olds := make([]lock.Member, len(old))
	for i := range old {
		old[i].index = i
		olds[i] = lock.Member{Name: old[i].name, Ordinal: old[i].ordinal, Retired: old[i].retired}
	}
	curs := make([]lock.Member, len(cur))
	for i := range cur {
		cur[i].index = i
		curs[i] = lock.Member{Name: cur[i].name, Ordinal: cur[i].ordinal, Retired: cur[i].retired, Was: cur[i].was}
	}
	curToOld := lock.Match(olds, curs)
	oldToCur := make([]int, len(old))
	for i := range oldToCur {
		oldToCur[i] = -1
	}
	for i, j := range curToOld {
		if j >= 0 {
			oldToCur[j] = i
		}
	}
	curAt := make(map[int]member)
	for _, m := range cur {
		curAt[m.ordinal] = m
	}
	known := func(m member) bool { return curToOld[m.index] >= 0 }
	call2 := func(f func(a, b member), a, b member) {
		if f != nil {
			f(a, b)
		}
	}

	claimed := make(map[int]bool) // current members reported as renamed or reused
	for i, o := range old {
		if o.retired {
			holder, ok := curAt[o.ordinal]
			if !ok || holder.retired {
				continue
			}
			if !known(holder) {
				claimed[holder.index] = true
				call2(ev.reused, o, holder)
			}
			continue
		}
		if k := oldToCur[i]; k >= 0 {
			n := cur[k]
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
			if known(holder) {
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
		if n.retired || known(n) || claimed[n.index] {
			continue
		}
		if ev.added != nil {
			ev.added(n)
		}
	}
}
