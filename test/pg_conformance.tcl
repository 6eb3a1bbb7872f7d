# Conformance on a real PostgreSQL: every `postgresql` case of
# ../shared/conformance (migra, sqldef, atlas) is loaded twice — from.sql
# into one database, to.sql into another — both are mirrored, the plan
# from the first to the second is applied to the first, and the first's
# mirror must then have the second's checksum.
#
# Cases that cannot run here are listed with their reason in
# test/pg_conformance_skips.txt (one "peer/case<TAB>reason" per line; a
# line "peer/prefix*" covers every case starting with prefix); they are
# counted and printed as skipped, with their reason.
#
# The corpus is large: workers run slices of it in parallel, each with two
# databases of its own that it resets between cases (test/pg_conformance_worker.tcl).
# DATAFLOW_CONFORMANCE_WORKERS sets their number (default 4),
# DATAFLOW_CONFORMANCE_FILTER a regexp on case names (default: all).
#
# This file is the driver: pg_conformance_1.test ... _N.test each run one
# part of the corpus (so that each file stays within the harness' time
# limit and make check can run two of them at once). Each sets, before
# sourcing it:
#   conf_part   its part, 1..conf_parts     conf_parts  the number of parts
# Skipped cases are reported by part 1 only, with the corpus-wide share.
# `tclsh test/pg_conformance_1.test` etc.; all parts: tclsh test/all.tcl
# pg_conformance_1.test pg_conformance_2.test pg_conformance_3.test.

set testprefix pgconf$conf_part

if {$::conformance eq ""} {
  skip_test conformance "../shared/conformance is absent"
  finish_test
}

# Roles that privilege cases grant to (cluster-wide, created once).
pg_exec "" {
  DO $$DECLARE r text; BEGIN
    FOREACH r IN ARRAY ARRAY['readonly_user', 'app_user', 'admin_role',
      'user-with-dash', 'user.with.dot', 'user with spaces', 'CamelCaseUser',
      'UPPERCASE_USER', 'user1', 'user2', 'user3', 'user4', 'My User', 'reader',
      'writer', 'admin', 'reader1', 'reader2', 'writer1', 'writer2', 'role1',
      'role2', 'power_user', 'user@domain.com', 'psqldef_user',
      'schemainspect_test_role']
    LOOP
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        BEGIN EXECUTE format('CREATE ROLE %I', r);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
      END IF;
    END LOOP;
  END$$;
}

# --- the skip list ----------------------------------------------------------
set skips {}            ;# list of {pattern reason}
set f [open $testdir/pg_conformance_skips.txt r]
fconfigure $f -encoding utf-8
foreach line [split [read $f] \n] {
  if {[string trim $line] eq "" || [string match "#*" $line]} continue
  set tab [string first \t $line]
  if {$tab < 0} { error "pg_conformance_skips.txt: no reason in '$line'" }
  lappend skips [list [string range $line 0 [expr {$tab-1}]] [string trim [string range $line $tab end]]]
}
close $f

proc skip_reason {name} {
  foreach s $::skips {
    if {[string match [lindex $s 0] $name]} { return [lindex $s 1] }
  }
  return ""
}

# --- the cases --------------------------------------------------------------
set filter [expr {[info exists env(DATAFLOW_CONFORMANCE_FILTER)] ? $env(DATAFLOW_CONFORMANCE_FILTER) : "."}]
set cases {}
foreach peer {migra sqldef atlas} {
  foreach dir [lsort [glob -nocomplain -type d $::conformance/$peer/postgresql/*]] {
    set name $peer/[file tail $dir]
    if {![regexp -- $filter $name]} continue
    set meta [read_file $dir/meta.json]
    set user [regexp {"user":\s*"} $meta]
    lappend cases [list $name $dir $user]
  }
}

set nworker [expr {[info exists env(DATAFLOW_CONFORMANCE_WORKERS)] ? $env(DATAFLOW_CONFORMANCE_WORKERS) : 4}]
set run {}
array set skipped {}
foreach c $cases {
  set why [skip_reason [lindex $c 0]]
  if {$why ne ""} { set skipped([lindex $c 0]) $why; continue }
  lappend run $c
}

# Slices, one file per worker: units dealt round robin, a unit being a
# case and its "--down" twin right after it (the worker runs the twin
# cheaply from the first one's state).
set units {}
foreach c $run {
  # (units are dealt to the parts below)
  set name [lindex $c 0]
  if {[llength $units] && "[lindex $units end 0 0]--down" eq $name} {
    lset units end [list {*}[lindex $units end] $c]
  } else {
    lappend units [list $c]
  }
}
set mine {}
for {set i [expr {$conf_part - 1}]} {$i < [llength $units]} {incr i $conf_parts} {
  lappend mine [lindex $units $i]
}
set units $mine
array set inpart {}
foreach u $units { foreach c $u { set inpart([lindex $c 0]) 1 } }
set pipes {}
for {set w 0} {$w < $nworker} {incr w} {
  set slice {}
  for {set i $w} {$i < [llength $units]} {incr i $nworker} {
    foreach c [lindex $units $i] { lappend slice [join $c \t] }
  }
  if {$slice eq ""} continue
  write_file $::tmpdir/slice$w.txt [join $slice \n]
  file mkdir $::tmpdir/w$w
  pg_fresh_db ${testprefix}_w${w}_a
  pg_fresh_db ${testprefix}_w${w}_b
  lappend pipes [open [list | [info nameofexecutable] $testdir/pg_conformance_worker.tcl \
      $::dataflow_bin $::tmpdir/w$w ${testprefix}_w${w}_a ${testprefix}_w${w}_b $::tmpdir/slice$w.txt 2>@1] r]
}
array set result {}
foreach p $pipes {
  fconfigure $p -encoding utf-8
  while {[gets $p line] >= 0} {
    if {[regexp {^RESULT ([^\t]+)\t([^\t]*)\t(.*)$} $line -> name status detail]} {
      set result($name) [list $status $detail]
    }
  }
  catch {close $p}
}

# --- one test per case ------------------------------------------------------
array set npass {}
array set nfail {}
array set nskip {}
foreach c $cases {
  set name [lindex $c 0]
  set peer [lindex [split $name /] 0]
  foreach a {npass nfail nskip nall} { if {![info exists ${a}($peer)]} { set ${a}($peer) 0 } }
  incr nall($peer)
  if {[info exists skipped($name)]} {
    incr nskip($peer)
    if {$conf_part == 1} { skip_test $name $skipped($name) }
    continue
  }
  if {![info exists inpart($name)]} continue
  if {![info exists result($name)]} { set result($name) {error "the worker gave no result"} }
  lassign $result($name) status detail
  if {$status eq "pass"} { incr npass($peer) } else { incr nfail($peer) }
  do_test $name [list list $status $detail] [list pass ""]
}

foreach peer [lsort [array names npass]] {
  set n [expr {$npass($peer) + $nfail($peer)}]
  puts [format "pg_conformance part %d/%d: %-7s %4d cases run: %4d pass, %3d fail; corpus: %4d cases, %3d skipped (%.1f%%)" \
        $conf_part $conf_parts $peer $n $npass($peer) $nfail($peer) $nall($peer) $nskip($peer) \
        [expr {$nall($peer) ? 100.0*$nskip($peer)/$nall($peer) : 0}]]
}

finish_test
