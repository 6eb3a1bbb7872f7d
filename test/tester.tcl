# tester.tcl — DataFlow's TCL test harness.
#
# A small harness in the spirit of SQLite's test/tester.tcl, for stock
# tclsh 8.6 with `package require sqlite3` (Debian's libsqlite3-tcl).
#
# Usage (the top and bottom of every test/*.test):
#
#   set testdir [file dirname $argv0]
#   source $testdir/tester.tcl
#   set testprefix mirror                 ;# test names become mirror-1.0 ...
#
#   do_execsql_test 1.0 {
#     SELECT kind, object FROM schema_diff('a.snap', 'b.snap');
#   } {column t1.c}
#   do_catchsql_test 1.1 {SELECT * FROM schema_diff('a.snap')} \
#     {1 {schema_diff() needs FROM and TO}}
#   do_test 1.2 { llength [glob -dir $::tmpdir *] } 1
#   do_dataflow_test 1.3 {mirror nosuch.db -o x.snap} 1 {*cannot open*}
#   finish_test
#
#   tclsh test/mirror.test          one file;  tclsh test/all.tcl   the suite
#
# Commands:
#   do_test NAME SCRIPT EXPECTED        SCRIPT's result must equal EXPECTED exactly
#   do_execsql_test ?-db DB? NAME SQL EXPECTED
#                                       all values of SQL as a flat list; EXPECTED
#                                       is read as a list (whitespace-insensitive)
#   do_catchsql_test ?-db DB? NAME SQL EXPECTED   {0 {values}} or {1 {error message}}
#   do_dataflow_test NAME ARGS RC GLOB  run tools/dataflow ARGS: exit code RC and
#                                       output matching GLOB, a `string match`
#                                       pattern (write \[ \] \* \? for literals)
#   skip_test NAME REASON               counted and printed as skipped
#   execsql SQL ?DB?, catchsql SQL ?DB?  (SQL sees the caller's $variables)
#   reset_db                            fresh $tmpdir/test.db as `db`, extension loaded
#   run_dataflow ARGS...                -> {exitcode output}: stdout+stderr, trimmed,
#                                       stdin from /dev/null
#   run_dataflow_input INPUT ARGS...    the same with INPUT on stdin
#   sqlite_file_exec PATH SQL           flat list of values, own connection, no extension
#   write_file ?-binary? PATH DATA,  read_file ?-binary? PATH   (UTF-8 text by default)
#   forcedelete PATH...,  testprefix PREFIX,  finish_test
#
# Variables: $::tmpdir (fresh empty directory per test file), $::conformance,
# $::samples ("" when ../shared lacks them), $::dataflow_bin, $::ext_path.
#
# Environment:
#   DATAFLOW_BUILD        build directory (default: the source tree)
#   DATAFLOW_EXT          the extension to load (default $BUILD/ext/dataflow)
#   DATAFLOW_BIN          the command (default $BUILD/tools/dataflow)
#   DATAFLOW_SHARED       the shared/ directory (default <repo>/../shared)
#   DATAFLOW_TEST_FILTER  run only tests whose full name matches one of these globs
#   DATAFLOW_VALGRIND=1   run_dataflow runs the command under valgrind (exit 99
#                         on a memory error or a definite leak)
#   DATAFLOW_TEST_VERBOSE=1  print every test, not just failures
#
# HOW IT WORKS
#   Sourcing this file computes the paths, wipes and recreates
#   <build>/test/tmp/<file-rootname>/ as $::tmpdir, and opens `db` there with
#   the extension loaded; a missing or unloadable extension ends the file at
#   once as one failure, loudly.  Each do_* command evaluates its check in
#   the caller's scope, compares, and counts: a Tcl error inside a test is a
#   failure with its errorInfo printed, never the end of the file.
#   finish_test prints "<file>: N passed, N failed[, N skipped]" and exits
#   0 or 1; test/all.tcl reads that line.  stdout is line-buffered so that
#   all.tcl can stream it.

package require Tcl 8.6
package require sqlite3

# Test data uses Unicode names: exec arguments, file names and pipes are
# UTF-8 whatever the locale of the process (CI may have none).
encoding system utf-8
fconfigure stdout -buffering line -encoding utf-8
fconfigure stderr -encoding utf-8

namespace eval ::df {
  variable nPass 0          ;# tests passed
  variable nFail 0          ;# tests failed (including Tcl errors)
  variable nSkip 0          ;# tests skipped by skip_test
  variable failed {}        ;# names of failed tests, in order
  variable seen             ;# array: test name -> 1, to catch duplicates
  array set seen {}
  variable atexit {}        ;# scripts finish_test runs before exiting
}

proc ::df::envor {name default} {
  if {[info exists ::env($name)] && $::env($name) ne ""} { return $::env($name) }
  return $default
}

# --- paths --------------------------------------------------------------

set ::df::testdir [file dirname [file normalize [info script]]]
set ::df::repo    [file dirname $::df::testdir]
set ::df::build   [file normalize [::df::envor DATAFLOW_BUILD $::df::repo]]
set ::ext_path     [file normalize [::df::envor DATAFLOW_EXT [file join $::df::build ext dataflow]]]
set ::dataflow_bin [file normalize [::df::envor DATAFLOW_BIN [file join $::df::build tools dataflow]]]
set ::df::shared  [file normalize [::df::envor DATAFLOW_SHARED [file join $::df::repo .. shared]]]
set ::conformance [file join $::df::shared conformance]
set ::samples     [file join $::df::shared samples]
if {![file isdirectory $::conformance]} { set ::conformance "" }
if {![file isdirectory $::samples]}     { set ::samples "" }

# The test file's name, e.g. mirror.test; its root names $::tmpdir.
set ::df::file [file tail $::argv0]
if {![string match *.test $::df::file]} { set ::df::file [file tail [info script]] }
set ::tmpdir [file join $::df::build test tmp [file rootname $::df::file]]
file delete -force $::tmpdir
file mkdir $::tmpdir

# --- counting and reporting ---------------------------------------------

proc testprefix {prefix} { set ::testprefix $prefix }

# The full name of test NAME: "$testprefix-NAME".
proc ::df::fullname {name} {
  if {[info exists ::testprefix] && $::testprefix ne ""} { return "$::testprefix-$name" }
  return $name
}

# True when NAME (full) is selected by DATAFLOW_TEST_FILTER (a list of globs).
proc ::df::selected {name} {
  set filter [::df::envor DATAFLOW_TEST_FILTER ""]
  if {$filter eq ""} { return 1 }
  foreach pattern $filter {
    if {[string match $pattern $name]} { return 1 }
  }
  return 0
}

# Registers NAME; returns 0 (and counts a failure) when it was used before,
# since a repeated name hides which test failed.
proc ::df::register {name} {
  variable seen
  if {[info exists seen($name)]} {
    ::df::fail $name "! $name is a duplicate test name: each test needs its own"
    return 0
  }
  set seen($name) 1
  return 1
}

proc ::df::pass {name} {
  incr ::df::nPass
  if {[::df::envor DATAFLOW_TEST_VERBOSE 0]} { puts "$name... Ok" }
}

proc ::df::fail {name msg} {
  incr ::df::nFail
  lappend ::df::failed $name
  puts $msg
}

# Counts one test: OK is true when it passed; on failure shows both values.
proc ::df::check {name ok expected got} {
  if {$ok} {
    ::df::pass $name
  } else {
    ::df::fail $name "! $name expected: \[$expected\]\n! $name got:      \[$got\]"
  }
}

# A Tcl error inside test NAME: a failure, with its errorInfo.
proc ::df::report_error {name expected msg opts} {
  if {[dict exists $opts -errorinfo]} {
    # The frames below the test's own script are the harness's: noise.
    set info [dict get $opts -errorinfo]
    regsub {\n\s*\("uplevel" body line \d+\)\n\s*invoked from within\n"uplevel 1 \$cmd"$} $info {} info
  } else {
    set info "return code [dict get $opts -code]"
  }
  ::df::fail $name "! $name expected: \[$expected\]\n! $name error:    \[$msg\]\n[::df::indent $info]"
}

proc ::df::indent {text} {
  set out {}
  foreach line [split $text \n] { lappend out "!   $line" }
  return [join $out \n]
}

# Ends the file at once as one failure (the extension is missing, a server
# did not start): nothing after it could mean anything.
proc ::df::abort {msg} {
  puts "! [file rootname $::df::file]: $msg"
  incr ::df::nFail
  lappend ::df::failed [file rootname $::df::file]
  finish_test
}

# --- the test commands --------------------------------------------------

proc do_test {name cmd expected} {
  set name [::df::fullname $name]
  if {![::df::selected $name] || ![::df::register $name]} return
  set code [catch {uplevel 1 $cmd} result opts]
  if {$code == 1 || $code > 2} {
    ::df::report_error $name $expected $result $opts
    return
  }
  ::df::check $name [expr {$result eq $expected}] $expected $result
}

# Parses "?-db DB? NAME SQL EXPECTED" for the SQL test commands.
proc ::df::sqlargs {cmd argv} {
  set db db
  if {[lindex $argv 0] eq "-db"} {
    set db [lindex $argv 1]
    set argv [lrange $argv 2 end]
  }
  if {[llength $argv] != 3} {
    ::error "usage: $cmd ?-db DB? NAME SQL EXPECTED"
  }
  return [list $db {*}$argv]
}

proc do_execsql_test {args} {
  lassign [::df::sqlargs do_execsql_test $args] db name sql expected
  uplevel 1 [list do_test $name [list execsql $sql $db] [list {*}$expected]]
}

proc do_catchsql_test {args} {
  lassign [::df::sqlargs do_catchsql_test $args] db name sql expected
  uplevel 1 [list do_test $name [list catchsql $sql $db] [list {*}$expected]]
}

proc do_dataflow_test {name argv rc glob} {
  set name [::df::fullname $name]
  if {![::df::selected $name] || ![::df::register $name]} return
  set expected [list $rc $glob]
  if {[catch {run_dataflow {*}$argv} got opts]} {
    ::df::report_error $name $expected $got $opts
    return
  }
  lassign $got gotrc output
  set ok [expr {$gotrc == $rc && [string match $glob $output]}]
  ::df::check $name $ok $expected $got
}

proc skip_test {name reason} {
  set name [::df::fullname $name]
  if {![::df::selected $name] || ![::df::register $name]} return
  incr ::df::nSkip
  puts "- $name skipped: $reason"
}

proc execsql {sql {db db}} {
  uplevel 1 [list $db eval $sql]
}

proc catchsql {sql {db db}} {
  set rc [catch {uplevel 1 [list $db eval $sql]} msg]
  list $rc $msg
}

# --- databases ----------------------------------------------------------

proc reset_db {} {
  catch {db close}
  forcedelete {*}[lmap s {"" -journal -wal -shm} { file join $::tmpdir test.db$s }]
  set ext $::ext_path
  if {![file exists $ext] && ![file exists $ext[info sharedlibextension]]} {
    ::df::abort "the extension $ext[info sharedlibextension] does not exist: build it first (make), or set DATAFLOW_EXT"
  }
  sqlite3 db [file join $::tmpdir test.db]
  db enable_load_extension 1
  if {[catch {db eval {SELECT load_extension($ext)}} msg]} {
    ::df::abort "cannot load the extension $ext: $msg"
  }
}

proc sqlite_file_exec {path sql} {
  sqlite3 ::df::filedb $path
  set code [catch {uplevel 1 [list ::df::filedb eval $sql]} result opts]
  ::df::filedb close
  return -options $opts $result
}

# --- the command --------------------------------------------------------

proc run_dataflow {args} {
  ::df::run [list < /dev/null] $args
}

proc run_dataflow_input {input args} {
  ::df::run [list << $input] $args
}

# Runs the command with ARGV and the stdin redirection REDIR; returns
# {exitcode output}.  A command killed by a signal gives 128+signal and its
# output ends with "killed: SIGNAME".
proc ::df::run {redir argv} {
  foreach a $argv {
    if {[regexp {^(<|>|2>|\||&$)} $a]} {
      ::error "run_dataflow: argument '$a' would be taken as a redirection by exec"
    }
  }
  set cmd [list $::dataflow_bin {*}$argv]
  if {[::df::envor DATAFLOW_VALGRIND 0]} {
    set cmd [list valgrind --error-exitcode=99 --leak-check=full \
                 --errors-for-leak-kinds=definite -q {*}$cmd]
  }
  set code [catch {exec -- {*}$cmd {*}$redir 2>@1} output opts]
  set rc 0
  if {$code} {
    set ec [dict get $opts -errorcode]
    switch -- [lindex $ec 0] {
      CHILDSTATUS {
        set rc [lindex $ec 2]
        regsub {\n?child process exited abnormally$} $output {} output
      }
      CHILDKILLED {
        set signals {SIGHUP 1 SIGINT 2 SIGQUIT 3 SIGILL 4 SIGTRAP 5 SIGABRT 6
                     SIGBUS 7 SIGFPE 8 SIGKILL 9 SIGSEGV 11 SIGPIPE 13 SIGTERM 15}
        set sig [lindex $ec 2]
        set rc [expr {128 + ([dict exists $signals $sig] ? [dict get $signals $sig] : 0)}]
        regsub {\n?child killed: [^\n]*$} $output {} output
        append output "\nkilled: $sig"
      }
      default {
        return -options $opts $output   ;# could not run it at all
      }
    }
  }
  list $rc [string trim $output]
}

# --- files --------------------------------------------------------------

proc write_file {args} {
  set binary [expr {[lindex $args 0] eq "-binary"}]
  lassign [lrange $args $binary end] path data
  set f [open $path w]
  if {$binary} {
    fconfigure $f -translation binary
  } else {
    fconfigure $f -encoding utf-8 -translation lf
  }
  puts -nonewline $f $data
  close $f
}

proc read_file {args} {
  set binary [expr {[lindex $args 0] eq "-binary"}]
  set path [lindex $args $binary]
  set f [open $path r]
  if {$binary} {
    fconfigure $f -translation binary
  } else {
    fconfigure $f -encoding utf-8 -translation lf
  }
  set data [read $f]
  close $f
  return $data
}

proc forcedelete {args} {
  foreach path $args { file delete -force -- $path }
}

# --- the end ------------------------------------------------------------

proc finish_test {} {
  catch {db close}
  foreach script $::df::atexit {
    if {[catch {uplevel #0 $script} msg]} { puts "! finish_test: $msg" }
  }
  set ::df::atexit {}
  if {[llength $::df::failed]} { puts "Failed: $::df::failed" }
  set line "$::df::file: $::df::nPass passed, $::df::nFail failed"
  if {$::df::nSkip} { append line ", $::df::nSkip skipped" }
  puts $line
  flush stdout
  exit [expr {$::df::nFail > 0}]
}

reset_db
