# mysql_conformance_worker.tcl — runs a slice of the MySQL conformance corpus
# for test/mysql_conformance.test (not a test file itself: all.tcl only runs
# *.test).
#
# Usage (started by mysql_conformance.test, several at once):
#
#   tclsh test/mysql_conformance_worker.tcl DATAFLOW_BIN WORKDIR DB_A DB_B CASEFILE
#
#   CASEFILE holds one case per line: "<peer>/mysql/<case>\t<dir>\t<byname>",
#   <byname> 1 when the case's SQL names the database mysqldef_test (sqldef
#   ran there): then both sides load, one after the other, into a database
#   of that name (DB_A and DB_B are not used for it). The server comes from
#   DATAFLOW_TEST_MYSQL_URL. Prints one line per case:
#
#     RESULT <case>\t<status>\t<detail>
#
#   status: pass, load-from, load-to (MariaDB rejects the SQL), mirror,
#   plan, apply, checksum (the database after the apply differs from the
#   target: detail is the diff).
#
# HOW IT WORKS
#   Few processes per case, which is what makes the corpus affordable: one
#   `mariadb` client recreates A and B and loads from.sql into A and to.sql
#   into B (statements split here, so that trigger and event bodies with
#   BEGIN ... END stay whole: they are sent with DELIMITER; with
#   FOREIGN_KEY_CHECKS=0, as mysqldump loads, so that a foreign key may name
#   a table created after it); B is mirrored;
#   the plan goes from A (plan --target) to B's snapshot with
#   --allow-destructive and is applied to A, whose checksum after the steps
#   (apply prints it, and whether it equals the target's) must be B's. Only
#   a failure costs more: a mirror of A and a diff, for the report.

encoding system utf-8
fconfigure stdout -buffering line -encoding utf-8

lassign $argv bin workdir dbA dbB casefile
source [file join [file dirname [info script]] mysql_split.tcl]

if {![regexp {^mysql://([^@/]+)@([^:/]+):(\d+)/} $::env(DATAFLOW_TEST_MYSQL_URL) -> user host port]} {
  error "cannot read DATAFLOW_TEST_MYSQL_URL '$::env(DATAFLOW_TEST_MYSQL_URL)'"
}
proc url {db} { return "mysql://$::user@$::host:$::port/$db" }

# Runs a script with the mariadb client; returns {ok output}.
proc client {script} {
  set cmd [list mariadb --no-defaults --protocol=tcp --host=$::host --port=$::port \
               --user=$::user --batch --skip-column-names --default-character-set=utf8mb4]
  set rc [catch {exec {*}$cmd << $script 2>@1} out]
  regsub {\nchild process exited abnormally$} $out {} out
  return [list [expr {!$rc}] $out]
}

proc readsql {path} {
  set f [open $path r]
  fconfigure $f -encoding utf-8
  set t [read $f]
  close $f
  return $t
}

# The client script that recreates DB and loads the statements of SQL.
proc loadscript {db sql} {
  set q "`[string map {` ``} $db]`"
  set s "DROP DATABASE IF EXISTS $q;\nCREATE DATABASE $q;\nUSE $q;\nSET FOREIGN_KEY_CHECKS=0;\nDELIMITER \$\$\$\n"
  foreach stmt [mysql_split_sql $sql] { append s "$stmt\n\$\$\$\n" }
  append s "DELIMITER ;\n"
  return $s
}

proc df {args} {
  set rc [catch {exec $::bin {*}$args 2>@1} out]
  regsub {\nchild process exited abnormally$} $out {} out
  return [list [expr {$rc ? 1 : 0}] $out]
}

proc oneline {s} { return [string range [regsub -all {\s+} $s { }] 0 600] }

proc run_case {name dir byname} {
  set w $::workdir
  if {$byname} {
    set a mysqldef_test
    set b mysqldef_test
  } else {
    set a $::dbA
    set b $::dbB
  }
  set from [readsql $dir/from.sql]
  set to [readsql $dir/to.sql]
  if {$byname} {
    lassign [client [loadscript $b $to]] ok out
    if {!$ok} { return [list load-to [oneline $out]] }
  } else {
    lassign [client "[loadscript $a $from]SELECT 'DATAFLOW-LOADED-A';\n[loadscript $b $to]"] ok out
    if {!$ok} {
      if {[string match *DATAFLOW-LOADED-A* $out]} { return [list load-to [oneline $out]] }
      return [list load-from [oneline $out]]
    }
  }
  lassign [df mirror [url $b] -o $w/to.snap] rc out
  if {$rc} { return [list mirror [oneline $out]] }
  if {$byname} {
    lassign [client [loadscript $a $from]] ok out
    if {!$ok} { return [list load-from [oneline $out]] }
  }
  file delete $w/p.plan
  lassign [df plan --target [url $a] --to $w/to.snap --dialect mysql \
               --allow-destructive -o $w/p.plan] rc out
  if {$rc} { return [list plan [oneline $out]] }
  lassign [df apply $w/p.plan --target [url $a] --yes] rc out
  if {$rc} { return [list apply [oneline $out]] }
  if {[string match "*(equals the plan's target)*" $out]
      || [string match "*nothing to apply*" $out]} {
    return [list pass ""]
  }
  df mirror [url $a] -o $w/after.snap
  lassign [df diff $w/after.snap $w/to.snap] rc diff
  return [list checksum [oneline "$diff | $out"]]
}

set f [open $casefile r]
fconfigure $f -encoding utf-8
set lines [split [string trim [read $f]] \n]
close $f
foreach line $lines {
  lassign [split $line \t] name dir byname
  if {[catch {run_case $name $dir $byname} res]} {
    set res [list error [oneline $res]]
  }
  puts "RESULT $name\t[lindex $res 0]\t[lindex $res 1]"
}
