# pg_conformance_worker.tcl — runs a slice of the PostgreSQL conformance
# corpus for test/pg_conformance.test (not a test file itself: all.tcl only
# runs *.test).
#
# Usage (started by pg_conformance.test, several at once):
#
#   tclsh test/pg_conformance_worker.tcl DATAFLOW_BIN WORKDIR DB_A DB_B CASEFILE
#
#   CASEFILE holds one case per line: "<peer>/<case>\t<dir>\t<user>"
#   where <user> is 1 for sqldef cases that run with search_path foo, public.
#   A sqldef case "X--down" (X's to.sql -> X's from.sql) must come right
#   after X in the file to be run cheaply (see below).  The server comes
#   from the environment (PGHOST, PGPORT, PGUSER, DATAFLOW_TEST_PG_URL).
#   Prints one line per case:
#
#     RESULT <case>\t<status>\t<detail>
#
#   status: pass, load-from, load-to (the SQL does not load on this
#   server), plan, apply, mirror, checksum (the database after the apply
#   differs from the target: detail is the diff).
#
# HOW IT WORKS
#   On this kind of machine a process start costs about as much as the
#   work of a case, so the worker counts them.  It owns two databases, A
#   and B, and keeps one psql session open on each for its whole run:
#   loading a case is one round trip on that session (the script goes into
#   a file that psql runs with \i, so an unterminated quote in a case
#   cannot swallow what follows, then \echo prints a marker that ends the
#   reply).  Between cases all user schemas are dropped (with everything in
#   them, extensions included) and public recreated, which is much faster
#   than CREATE DATABASE; after each script ROLLBACK and DISCARD ALL leave
#   the session as new.
#
#   A case: from.sql goes into A, to.sql into B.  The URLs set the
#   search_path to the default schema and every schema either side has,
#   which is the scope the mirror reads.  B is mirrored, the plan is made
#   from A (plan --target) to B's snapshot with --allow-destructive and
#   applied to A: the checksum apply reports after its steps must equal
#   B's.  Three dataflow processes.
#
#   A sqldef pair X, X--down: X--down's from.sql is X's to.sql and its
#   to.sql is X's from.sql (checked byte for byte).  After X, B still holds
#   a fresh load of X's to.sql, i.e. X--down's from.sql (a mirror never
#   changes a database), and both snapshots X--down needs already exist:
#   B's mirror (its base) and A's mirror before the apply, stored in X's
#   plan (its target).  So X--down is planned offline from those and
#   applied to B, whose drift check compares the live schema with that
#   base: two processes, no load.  Only without extensions (A's would also
#   hold the ones post-installed for B); if anything fails on this path the
#   case is run again the usual way, and that is its result.
#
#   Likewise a from.sql that several cases of the slice share (mostly the
#   empty one) is mirrored once per scope: the base snapshot stored in the
#   first plan is kept, keyed by the SQL, the search_path user, the scope
#   and the extensions added, and later cases plan from it offline (plan
#   --from) instead of mirroring A again; apply's drift check still
#   compares it with A as loaded, and a case that fails this way is run
#   again the usual way.

encoding system utf-8
fconfigure stdout -buffering line -encoding utf-8
package require sqlite3

lassign $argv bin workdir dbA dbB casefile

# Debian's /usr/bin/psql is a Perl wrapper: the real client starts faster.
set psql psql
foreach d [list [expr {[info exists ::env(PG_BIN)] ? $::env(PG_BIN) : ""}] /usr/lib/postgresql/15/bin] {
  if {$d ne "" && [file executable $d/psql]} { set psql $d/psql; break }
}

# URL of DB whose search_path is the list PATH (empty: the server's).
proc url {db {path {}}} {
  regsub {/[^/?]*(\?.*)?$} $::env(DATAFLOW_TEST_PG_URL) "/$db" u
  if {[llength $path]} {
    set items {}
    foreach s $path {
      if {![regexp {^[a-z_][a-z0-9_]*$} $s]} { set s "\"[string map {\" \"\"} $s]\"" }
      lappend items $s
    }
    set enc ""
    foreach byte [split [encoding convertto utf-8 "-csearch_path=[join $items ,]"] ""] {
      if {[regexp {^[A-Za-z0-9_.-]$} $byte]} { append enc $byte } else { append enc [format %%%02X [scan $byte %c]] }
    }
    append u "?options=$enc"
  }
  return $u
}

# --- psql sessions ------------------------------------------------------------
# sess_run DB SCRIPT -> psql's output (stdout and stderr) for SCRIPT, run in
# the session on DB (opened on first use, reopened if psql went away).
array set sess {}
set nmark 0
proc sess_run {db script} {
  if {![info exists ::sess($db)]} {
    set ::sess($db) [open [list | $::psql -X -q -A -t -d [url $db] 2>@1] r+]
    fconfigure $::sess($db) -encoding utf-8 -translation lf -buffering full
  }
  set ch $::sess($db)
  set file $::workdir/script_$db.sql
  set f [open $file w]
  fconfigure $f -encoding utf-8 -translation lf
  puts $f $script
  close $f
  set mark "@@df_done_[incr ::nmark]@@"
  puts $ch "\\i '$file'"
  puts $ch "ROLLBACK;\nDISCARD ALL;\n\\echo $mark"
  flush $ch
  set out {}
  while {1} {
    if {[gets $ch line] < 0} {
      catch {close $ch}
      unset ::sess($db)
      lappend out "ERROR: psql's session on $db ended"
      break
    }
    if {$line eq $mark} break
    # ROLLBACK outside a transaction only warns.
    if {[string match "*WARNING:  there is no transaction in progress" $line]} continue
    lappend out $line
  }
  return [join $out \n]
}

set reset {
  SET client_min_messages = warning;
  DO $$DECLARE r record; BEGIN
    FOR r IN SELECT nspname FROM pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema')
        AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'
    LOOP EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname); END LOOP;
    FOR r IN SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'
    LOOP EXECUTE format('DROP EXTENSION %I CASCADE', r.extname); END LOOP;
  END$$;
  CREATE SCHEMA public;
}

# Splits SQL text into statements at ';' outside quotes, dollar quotes
# and comments.
proc split_sql {text} {
  set out {}
  set cur ""
  set n [string length $text]
  set i 0
  while {$i < $n} {
    set c [string index $text $i]
    if {$c eq "-" && [string index $text [expr {$i+1}]] eq "-"} {
      set e [string first \n $text $i]
      if {$e < 0} { set e $n }
      set i $e
      continue
    }
    if {$c eq "/" && [string index $text [expr {$i+1}]] eq "*"} {
      set e [string first "*/" $text [expr {$i+2}]]
      set i [expr {$e < 0 ? $n : $e + 2}]
      append cur " "
      continue
    }
    if {$c eq "'" || $c eq "\""} {
      set j [expr {$i+1}]
      while {$j < $n} {
        if {[string index $text $j] eq $c} {
          if {[string index $text [expr {$j+1}]] eq $c} { incr j 2; continue }
          break
        }
        incr j
      }
      append cur [string range $text $i $j]
      set i [expr {$j+1}]
      continue
    }
    if {$c eq "\$" && [regexp {^\$([A-Za-z_][A-Za-z0-9_]*)?\$} [string range $text $i [expr {$i+64}]] tag]} {
      set e [string first $tag $text [expr {$i + [string length $tag]}]]
      set e [expr {$e < 0 ? $n : $e + [string length $tag]}]
      append cur [string range $text $i [expr {$e-1}]]
      set i $e
      continue
    }
    if {$c eq ";"} {
      if {[string trim $cur] ne ""} { lappend out [string trim $cur] }
      set cur ""
      incr i
      continue
    }
    append cur $c
    incr i
  }
  if {[string trim $cur] ne ""} { lappend out [string trim $cur] }
  return $out
}

# The SQL as one DO block that runs the statements in passes until none
# more succeeds (the order sqldef's own loader would find), or fails with
# the last error.
proc reordered {text} {
  set items {}
  foreach st [split_sql $text] {
    lappend items "\$df_s\$$st\$df_s\$"
  }
  if {$items eq ""} { return "" }
  return "DO \$df_do\$
DECLARE stmts text\[\] := ARRAY\[[join $items ,\n]\];
  done boolean\[\]; progress boolean; err text;
BEGIN
  done := array_fill(false, ARRAY\[array_length(stmts, 1)\]);
  LOOP
    progress := false;
    FOR i IN 1 .. array_length(stmts, 1) LOOP
      IF NOT done\[i\] THEN
        BEGIN EXECUTE stmts\[i\]; done\[i\] := true; progress := true;
        EXCEPTION WHEN others THEN err := SQLERRM || ' (in: ' || left(stmts\[i\], 200) || ')';
        END;
      END IF;
    END LOOP;
    EXIT WHEN NOT progress;
  END LOOP;
  IF false = ANY(done) THEN RAISE EXCEPTION '%', err; END IF;
END \$df_do\$;\n"
}

# Loads FILE into DB after a reset; returns {error schemas exts}: error ""
# or psql's error, schemas the user schemas DB has afterwards, exts its
# extensions as {name schema} pairs.
#
# Set-up gaps of the peers' own harnesses are filled, as those harnesses
# do: statements that use an object created later in the file (sqldef
# orders them itself) run in dependency order, and a schema that the SQL
# qualifies names with but never creates is created first.
proc load {db file user {post ""}} {
  set pre ""
  set text [read_text $file]
  set body $text
  set bReordered 0
  for {set try 0} {$try < 6} {incr try} {
    set res [load_once $db $pre $body $user $post]
    set err [lindex $res 0]
    if {$err eq ""} { return $res }
    if {!$bReordered && [regexp {does not exist|no schema has been selected|already exists} $err]} {
      set bReordered 1
      set body [reordered $text]
      continue
    }
    if {([regexp {schema "([^"]+)" does not exist} $err -> s]
         || ([regexp {no schema has been selected} $err]
             && [regexp -nocase {SET\s+search_path\s+(?:TO|=)\s+"?([A-Za-z_][A-Za-z0-9_]*)} $text -> s]))
        && ![string match "*CREATE SCHEMA*$s*" $pre]} {
      append pre "CREATE SCHEMA \"[string map {\" \"\"} $s]\";\n"
      continue
    }
    return [list $err {} {}]
  }
  return [list $err {} {}]
}

proc read_text {file} {
  if {$file eq "" || ![file exists $file]} { return "" }
  set f [open $file r]
  fconfigure $f -encoding utf-8
  set text [read $f]
  close $f
  return $text
}

# One round trip: reset DB, then the set-up lines PRE and the SQL TEXT, then
# POST; the last two lines of output list the extensions and user schemas.
proc load_once {db pre text user {post ""}} {
  set script $::reset
  if {$user} {
    append script "CREATE SCHEMA foo;\nSET search_path = foo, public;\n"
  }
  append script "RESET client_min_messages;\n" $pre $text "\n;\n" $post "\n;\n"
  append script "SELECT 'EXTS:' || coalesce(json_agg(json_build_array(e.extname, n.nspname)"
  append script " ORDER BY e.extname)::text, '\[\]') FROM pg_catalog.pg_extension e"
  append script " JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql';\n"
  append script "SELECT 'SCHEMAS:' || coalesce(json_agg(nspname ORDER BY nspname)::text, '\[\]')\n"
  append script " FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')\n"
  append script " AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%';\n"
  set out [sess_run $db $script]
  # The first error is the one that matters (psql goes on after it).
  set lines [split $out \n]
  set err [lsearch -inline -regexp $lines {(ERROR|FATAL):|: error: }]
  if {$err ne ""} {
    regsub {^psql:[^:]*:[0-9]+: } $err {} err
    return [list $err {} {}]
  }
  set schemas {}
  set exts {}
  set done 0
  foreach line $lines {
    if {[regexp {^SCHEMAS:\[(.*)\]$} $line -> list]} {
      set done 1
      foreach {- s} [regexp -all -inline {"((?:[^"\\]|\\.)*)"} $list] { lappend schemas $s }
    }
    if {[regexp {^EXTS:\[(.*)\]$} $line -> list]} {
      foreach {- e n} [regexp -all -inline {\["([^"]*)", "([^"]*)"\]} $list] { lappend exts [list $e $n] }
    }
  }
  if {!$done} {
    return [list "the SQL did not run to its end (an unterminated quote or comment?): $out" {} {}]
  }
  return [list "" $schemas $exts]
}

proc dataflow {args} {
  set rc [catch {exec $::bin {*}$args < /dev/null 2>@1} out]
  regsub {\nchild process exited abnormally$} $out {} out
  return [list $rc $out]
}

proc checksum {snap} {
  sqlite3 cdb $snap -readonly 1
  set v [cdb one {SELECT value FROM meta WHERE key='checksum'}]
  cdb close
  return $v
}

proc oneline {s} {
  # The error of a failed command is its "dataflow:" line.
  set err [lsearch -inline -glob [split $s \n] "dataflow: *"]
  if {$err ne ""} { set s $err }
  set s [string map {"\n" " | " "\t" " "} $s]
  if {[string length $s] > 900} { set s "[string range $s 0 900]..." }
  return $s
}

# {base checksum, number of steps} of plan file PLAN.
proc plan_meta {plan} {
  sqlite3 pdb $plan -readonly 1
  set v [pdb one {SELECT value FROM plan_meta WHERE key='base_checksum'}]
  set n [pdb one {SELECT count(*) FROM steps}]
  pdb close
  return [list $v $n]
}

# Writes the snapshot ROLE (base or target) stored in PLAN to file OUT.
proc plan_snapshot {plan role out} {
  sqlite3 pdb $plan -readonly 1
  set data [pdb onecolumn {SELECT data FROM snapshots WHERE role=$role}]
  pdb close
  set f [open $out wb]
  puts -nonewline $f $data
  close $f
}

# Applies PLAN to URL and compares the checksum apply reports with WANT;
# returns {status detail}, on a checksum mismatch the diff of the mirror
# after the apply with TARGET.
proc apply_check {plan url want target} {
  lassign [plan_meta $plan] got nstep
  if {$nstep > 0} {
    lassign [dataflow apply $plan --target $url --yes] rc out
    if {$rc} { return [list apply $out] }
    if {![regexp {schema checksum ([0-9a-f]{64})} $out -> got]} {
      return [list apply "no checksum in: $out"]
    }
  }
  if {$got ne $want} {
    set after $::workdir/after.snap
    file delete -force $after
    lassign [dataflow mirror $url -o $after] rc out
    if {$rc} { return [list mirror "after: $out"] }
    lassign [dataflow diff $after $target] rc out
    return [list checksum $out]
  }
  return [list pass ""]
}

# The usual way: from.sql into A, to.sql into B, mirror B, plan from A,
# apply to A.  Leaves ::pair set for a following X--down case.
proc run_case {name dir user {bCache 1}} {
  unset -nocomplain ::pair
  set b $::workdir/b.snap
  set p $::workdir/c.plan
  file delete -force $b $p
  # Extensions are not catalog objects (they are provisioned, not
  # migrated): the target's extensions are installed in A too.
  lassign [load $::dbB $dir/to.sql $user] err sb eb
  if {$err ne ""} { return [list load-to $err] }
  set post ""
  foreach e $eb {
    lassign $e ext nsp
    append post "CREATE SCHEMA IF NOT EXISTS \"$nsp\";\n"
    append post "CREATE EXTENSION IF NOT EXISTS \"$ext\" WITH SCHEMA \"$nsp\";\n"
  }
  lassign [load $::dbA $dir/from.sql $user $post] err sa ea
  if {$err ne ""} { return [list load-from $err] }
  # The scope: the default schema first, then every schema either side has.
  set path [expr {$user ? {foo public} : {public}}]
  foreach s [lsort -unique [concat $sa $sb]] {
    if {$s ni $path} { lappend path $s }
  }
  set ua [url $::dbA $path]
  lassign [dataflow mirror [url $::dbB $path] -o $b] rc out
  if {$rc} { return [list mirror "to: $out"] }
  # The base: a snapshot of the same load seen before (see HOW IT WORKS),
  # else plan --target mirrors A itself.
  set key [list [read_text $dir/from.sql] $user $path $post]
  set bCached [expr {$bCache && [info exists ::basecache($key)]}]
  if {$bCached} {
    lassign [dataflow plan --from $::basecache($key) --to $b --dialect postgresql \
               --allow-destructive -o $p] rc out
  } else {
    lassign [dataflow plan --target $ua --to $b --dialect postgresql \
               --allow-destructive -o $p] rc out
  }
  if {$rc} { return [list plan $out] }
  if {!$bCached && $::nfrom([read_text $dir/from.sql]) > 1} {
    set snap $::workdir/base[array size ::basecache].snap
    plan_snapshot $p base $snap
    set ::basecache($key) $snap
  }
  if {$ea eq "" && $eb eq ""} {
    # What X--down needs (see HOW IT WORKS).
    file rename -force $b $::workdir/pair_base.snap
    file rename -force $p $::workdir/pair.plan
    set b $::workdir/pair_base.snap
    set p $::workdir/pair.plan
    set ::pair [dict create name $name dir $dir user $user path $path]
  }
  set res [apply_check $p $ua [checksum $b] $b]
  if {$bCached && [lindex $res 0] ne "pass"} {
    # Not the cache's doing, but no result comes from it: the usual way.
    return [run_case $name $dir $user 0]
  }
  return $res
}

# X--down right after X: plan offline from X's snapshots, apply to B.
# Returns "" when this shortcut does not apply or did not pass.
proc run_down {name dir user} {
  if {![info exists ::pair]} { return "" }
  set x $::pair
  unset ::pair
  if {"[dict get $x name]--down" ne $name || [dict get $x user] != $user} { return "" }
  set xdir [dict get $x dir]
  if {[read_text $dir/from.sql] ne [read_text $xdir/to.sql]
      || [read_text $dir/to.sql] ne [read_text $xdir/from.sql]} { return "" }
  set base $::workdir/pair_base.snap
  set target $::workdir/pair_target.snap
  set p $::workdir/c.plan
  file delete -force $target $p
  plan_snapshot $::workdir/pair.plan base $target
  lassign [dataflow plan --from $base --to $target --dialect postgresql \
             --allow-destructive -o $p] rc out
  if {$rc} { return "" }
  set res [apply_check $p [url $::dbB [dict get $x path]] [checksum $target] $target]
  if {[lindex $res 0] ne "pass"} { return "" }
  return $res
}

# Collations the cases name that a C.UTF-8 cluster lacks (ICU provides
# them); pg_catalog survives the reset between cases.
foreach db [list $dbA $dbB] {
  sess_run $db {CREATE COLLATION IF NOT EXISTS pg_catalog."en_US" (provider = icu, locale = 'en-US');}
}

set f [open $casefile r]
fconfigure $f -encoding utf-8
set cases [split [string trim [read $f]] \n]
close $f
# How many cases of the slice start from each from.sql: those worth caching.
array set nfrom {}
foreach line $cases {
  set t [read_text [lindex [split $line \t] 1]/from.sql]
  if {![info exists nfrom($t)]} { set nfrom($t) 0 }
  incr nfrom($t)
}
foreach line $cases {
  lassign [split $line \t] name dir user
  set res ""
  if {[string match *--down $name] && [catch {run_down $name $dir $user} res]} {
    set res ""
  }
  if {$res eq "" && [catch {run_case $name $dir $user} res]} {
    set res [list error $res]
  }
  lassign $res status detail
  puts "RESULT $name\t$status\t[oneline $detail]"
}
foreach db [array names sess] { catch {close $sess($db)} }
