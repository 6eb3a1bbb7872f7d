# pg_conformance_worker.tcl — runs a slice of the PostgreSQL conformance
# corpus for test/pg_conformance.test (not a test file itself: all.tcl only
# runs *.test).
#
# Usage (started by pg_conformance.test, several at once):
#
#   tclsh test/pg_conformance_worker.tcl DATAFLOW_BIN WORKDIR DB_A DB_B CASEFILE
#
#   CASEFILE holds one case per line: "<peer>/postgresql/<case>\t<dir>\t<user>"
#   where <user> is 1 for sqldef cases that run with search_path foo, public.
#   The server comes from the environment (PGHOST, PGPORT, PGUSER,
#   DATAFLOW_TEST_PG_URL).  Prints one line per case:
#
#     RESULT <case>\t<status>\t<detail>
#
#   status: pass, load-from, load-to (the SQL does not load on this
#   server), plan, apply, mirror, checksum (the database after the apply
#   differs from the target: detail is the diff).
#
# HOW IT WORKS
#   The worker owns two databases and reuses them for every case: all user
#   schemas are dropped (with everything in them, extensions included) and
#   public recreated, which is much faster than CREATE DATABASE.  from.sql
#   goes into A, to.sql into B (psql, ON_ERROR_STOP). The URLs set the
#   search_path to the default schema and every schema either side has,
#   which is the scope the mirror reads. B is mirrored, the plan is made
#   from A (plan --target) to B's snapshot with --allow-destructive and
#   applied to A: the checksum apply reports after its steps must equal
#   B's. Few processes per case: this is what makes the corpus affordable.

encoding system utf-8
fconfigure stdout -buffering line -encoding utf-8
package require sqlite3

lassign $argv bin workdir dbA dbB casefile

# URL of DB whose search_path is the list PATH (empty: the server's).
proc url {db {path {}}} {
  regsub {/[^/]*$} $::env(DATAFLOW_TEST_PG_URL) "/$db" u
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

# Loads FILE into DB after a reset; returns {error schemas}: error "" or
# psql's error, schemas the user schemas DB has afterwards.
#
# Set-up gaps of the peers' own harnesses are filled, as those harnesses
# do: statements that use an object created later in the file (sqldef
# orders them itself) run in dependency order, and a schema that the SQL
# qualifies names with but never creates is created first.
proc load {db file user {post ""}} {
  set pre ""
  set text ""
  if {$file ne "" && [file exists $file]} {
    set f [open $file r]
    fconfigure $f -encoding utf-8
    set text [read $f]
    close $f
  }
  set body $text
  set bReordered 0
  for {set try 0} {$try < 6} {incr try} {
    lassign [load_once $db $pre $body $user $post] err schemas
    if {$err eq ""} { return [list "" $schemas] }
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
    return [list $err {}]
  }
  return [list $err {}]
}

# One psql run: reset DB, then the set-up lines PRE and the SQL TEXT; the
# last line of output lists the user schemas.
proc load_once {db pre text user {post ""}} {
  set script $::reset
  if {$user} {
    append script "CREATE SCHEMA foo;\nSET search_path = foo, public;\n"
  }
  append script "RESET client_min_messages;\n" $pre $text "\n;\n" $post
  append script "\\pset format unaligned\n\\pset tuples_only on\n"
  append script "SELECT 'EXTS:' || coalesce(json_agg(json_build_array(e.extname, n.nspname)"
  append script " ORDER BY e.extname)::text, '\[\]') FROM pg_extension e"
  append script " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql';\n"
  append script "SELECT 'SCHEMAS:' || coalesce(json_agg(nspname ORDER BY nspname)::text, '\[\]')\n"
  append script " FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')\n"
  append script " AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%';\n"
  set rc [catch {exec psql -X -q -v ON_ERROR_STOP=1 -d [url $db] -f - << $script 2>@1} out]
  if {$rc} {
    regsub {\nchild process exited abnormally$} $out {} out
    # Keep the error itself, not the notices before it.
    set lines [split $out \n]
    set err [lsearch -all -inline -regexp $lines {ERROR:}]
    return [list [expr {$err ne "" ? [join $err "; "] : $out}] {}]
  }
  set schemas {}
  set ::exts {}
  foreach line [split $out \n] {
    if {[regexp {^SCHEMAS:\[(.*)\]$} $line -> list]} {
      foreach {- s} [regexp -all -inline {"((?:[^"\\]|\\.)*)"} $list] { lappend schemas $s }
    }
    if {[regexp {^EXTS:\[(.*)\]$} $line -> list]} {
      foreach {- e n} [regexp -all -inline {\["([^"]*)", "([^"]*)"\]} $list] { lappend ::exts [list $e $n] }
    }
  }
  return [list "" $schemas]
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

proc plan_meta {plan key} {
  sqlite3 pdb $plan -readonly 1
  set v [pdb one {SELECT value FROM plan_meta WHERE key=$key}]
  set n [pdb one {SELECT count(*) FROM steps}]
  pdb close
  return [list $v $n]
}

proc run_case {name dir user} {
  set b $::workdir/b.snap
  set p $::workdir/c.plan
  set after $::workdir/after.snap
  file delete -force $b $p $after
  # Extensions are not catalog objects (they are provisioned, not
  # migrated): the target's extensions are installed in A too.
  lassign [load $::dbB $dir/to.sql $user] err sb
  if {$err ne ""} { return [list load-to $err] }
  set post ""
  foreach e $::exts {
    lassign $e ext nsp
    append post "CREATE SCHEMA IF NOT EXISTS \"$nsp\";\n"
    append post "CREATE EXTENSION IF NOT EXISTS \"$ext\" WITH SCHEMA \"$nsp\";\n"
  }
  lassign [load $::dbA $dir/from.sql $user $post] err sa
  if {$err ne ""} { return [list load-from $err] }
  # The scope: the default schema first, then every schema either side has.
  set path [expr {$user ? {foo public} : {public}}]
  foreach s [lsort -unique [concat $sa $sb]] {
    if {$s ni $path} { lappend path $s }
  }
  set ua [url $::dbA $path]
  lassign [dataflow mirror [url $::dbB $path] -o $b] rc out
  if {$rc} { return [list mirror "to: $out"] }
  # plan --target mirrors A itself.
  lassign [dataflow plan --target $ua --to $b --dialect postgresql \
             --allow-destructive -o $p] rc out
  if {$rc} { return [list plan $out] }
  set want [checksum $b]
  lassign [plan_meta $p base_checksum] got nstep
  if {$nstep > 0} {
    lassign [dataflow apply $p --target $ua --yes] rc out
    if {$rc} { return [list apply $out] }
    if {![regexp {schema checksum ([0-9a-f]{64})} $out -> got]} {
      return [list apply "no checksum in: $out"]
    }
  }
  if {$got ne $want} {
    lassign [dataflow mirror $ua -o $after] rc out
    if {$rc} { return [list mirror "after: $out"] }
    lassign [dataflow diff $after $b] rc out
    return [list checksum $out]
  }
  return [list pass ""]
}

# Collations the cases name that a C.UTF-8 cluster lacks (ICU provides
# them); pg_catalog survives the reset between cases.
foreach db [list $dbA $dbB] {
  catch {exec psql -X -q -d [url $db] -c {CREATE COLLATION IF NOT EXISTS pg_catalog."en_US" (provider = icu, locale = 'en-US')} 2>@1}
}

set f [open $casefile r]
fconfigure $f -encoding utf-8
set cases [split [string trim [read $f]] \n]
close $f
foreach line $cases {
  lassign [split $line \t] name dir user
  if {[catch {run_case $name $dir $user} res]} {
    set res [list error $res]
  }
  lassign $res status detail
  puts "RESULT $name\t$status\t[oneline $detail]"
}
