# all.tcl — runs DataFlow's whole TCL suite.
#
# Usage:
#   tclsh test/all.tcl                      every test/*.test, sorted by name
#   tclsh test/all.tcl mirror diff.test     only these files
#   make check                              builds, then runs this
#
# Environment:
#   DATAFLOW_TEST_JOBS=2        test files run at once (default 2)
#   DATAFLOW_TEST_TIMEOUT=600   seconds a file may take before it is killed
#   DATAFLOW_SKIP_PG=1, DATAFLOW_SKIP_MYSQL=1   do not start that server; its
#                               tests skip.  Also DATAFLOW_TEST_FILTER,
#                               DATAFLOW_VALGRIND ... (see tester.tcl)
#   DATAFLOW_TEST_PG_URL / DATAFLOW_TEST_MYSQL_URL already set: that server
#                               is used instead of starting one (with the
#                               rest of its `env` output: see tool-scripts/)
#
# Output: each file's own output, grouped per file and in file order, then
# the totals as the last line: "N passed, N failed" (", N skipped" when any).
# The exit status is 0 only when nothing failed.
#
# HOW IT WORKS
#   Each file runs in its own tclsh, so that a crash or an exit() is one
#   file's failure: its last line "<file>: N passed, N failed" gives its
#   counts, and a file that ends without that line (crash, timeout, Tcl
#   error at top level) or that exits non-zero while reporting no failure
#   counts as 1 failed.  Up to DATAFLOW_TEST_JOBS files run at once; the
#   output of the earliest file still running is streamed, the others are
#   buffered and printed whole when their turn comes, so the output reads as
#   if the files had run one after another.  A file over the timeout is
#   killed with its whole process tree.
#
#   Before the files run, the servers any of them needs (a line
#   `require_server pg` or `require_server mysql`, see servers.tcl) are
#   started in a fresh /tmp/dataflow-servers.* directory and their
#   environment is exported to every file.  They are stopped at the end; a
#   watchdog process stops them too if this script is killed or interrupted,
#   since plain tclsh cannot catch signals.

package require Tcl 8.6
encoding system utf-8
fconfigure stdout -buffering line -encoding utf-8

set testdir [file dirname [file normalize [info script]]]
source [file join $testdir servers.tcl]

proc envor {name default} {
  if {[info exists ::env($name)] && $::env($name) ne ""} { return $::env($name) }
  return $default
}

set jobs    [envor DATAFLOW_TEST_JOBS 2]
set timeout [envor DATAFLOW_TEST_TIMEOUT 600]
if {![string is integer -strict $jobs] || $jobs < 1} { set jobs 1 }
if {![string is double -strict $timeout] || $timeout <= 0} { set timeout 600 }
set tclsh [info nameofexecutable]
# `make check` runs in the build directory, which need not be the source
# tree (a VPATH build): tell tester.tcl where the built files are.
if {[envor DATAFLOW_BUILD ""] eq "" && [file exists config.status] && [file exists Makefile]} {
  set env(DATAFLOW_BUILD) [pwd]
}
set build [file normalize [envor DATAFLOW_BUILD [file dirname $testdir]]]
set dataflow_bin [file normalize [envor DATAFLOW_BIN [file join $build tools dataflow]]]

# --- which files ----------------------------------------------------------

set files {}
if {[llength $argv] == 0} {
  set files [lsort [glob -nocomplain -directory $testdir *.test]]
} else {
  foreach a $argv {
    set cands [list $a [file join $testdir $a] [file join $testdir $a.test]]
    set found ""
    foreach c $cands {
      if {[file isfile $c] && [string match *.test $c]} { set found [file normalize $c]; break }
    }
    if {$found eq ""} {
      puts "all.tcl: no test file '$a' (looked for [join $cands {, }])"
      puts "0 passed, 1 failed"
      exit 1
    }
    lappend files $found
  }
}
if {[llength $files] == 0} {
  puts "all.tcl: no test files in $testdir"
  puts "0 passed, 1 failed"
  exit 1
}

# --- servers ------------------------------------------------------------

set server_dir ""     ;# /tmp/dataflow-servers.XXXXXX, when we started any
set servers {}        ;# kinds we started: stopped at the end
set watchdog ""       ;# pid of the process that cleans up if we die

proc start_servers {} {
  global server_dir servers watchdog files dataflow_bin
  set needed {}
  foreach f $files {
    foreach kind [::dfsrv::needed_by $f] {
      if {$kind ni $needed} { lappend needed $kind }
    }
  }
  set tostart {}
  foreach kind $needed {
    set urlvar $::dfsrv::urlvar($kind)
    if {[info exists ::env($urlvar)]} {
      puts "all.tcl: using the $::dfsrv::title($kind) server at $::env($urlvar) ($urlvar)"
    } elseif {[::dfsrv::skip_reason $kind $dataflow_bin] eq ""} {
      lappend tostart $kind
    }
  }
  if {[llength $tostart] == 0} return

  set server_dir [exec mktemp -d /tmp/dataflow-servers.XXXXXX]
  file attributes $server_dir -permissions 0755   ;# the server user must enter it
  # The watchdog: when this process is gone (killed, interrupted), stop the
  # servers and remove their directory.  setsid keeps it out of our process
  # group, which a Ctrl-C signals as a whole.
  set stops {}
  foreach kind $tostart {
    lappend stops [file join $::dfsrv::repo tool-scripts $::dfsrv::script($kind)] $server_dir/$kind
  }
  set watchdog [exec setsid bash -c {
    p=$1 dir=$2; shift 2
    while [ -n "$(ps -o stat= -p "$p" | grep -v Z)" ]; do sleep 1; done
    while [ $# -gt 0 ]; do "$1" stop "$2"; shift 2; done
    rm -rf "$dir"
  } all.tcl-watchdog [pid] $server_dir {*}$stops </dev/null >/dev/null 2>@1 &]

  # Start them side by side: each script waits for its server.
  set t0 [clock milliseconds]
  set chans {}
  foreach kind $tostart {
    set script [file join $::dfsrv::repo tool-scripts $::dfsrv::script($kind)]
    lappend chans $kind [open |[list $script start $server_dir/$kind </dev/null 2>@1] r]
    lappend servers $kind
  }
  foreach {kind ch} $chans {
    set out [string trim [read $ch]]
    set ok [expr {![catch {close $ch} msg]}]
    if {$ok} {
      puts $out
      dict for {var value} [::dfsrv::environment $kind $server_dir/$kind] { set ::env($var) $value }
    } else {
      puts "all.tcl: the $::dfsrv::title($kind) test server did not start:\n$out"
      # Every file that needs it fails on this (servers.tcl).
      set ::env([string map {URL ERROR} $::dfsrv::urlvar($kind)]) $out
    }
  }
  puts [format "all.tcl: servers started in %.1f s" [expr {([clock milliseconds] - $t0) / 1000.0}]]
}

proc stop_servers {} {
  global server_dir servers watchdog
  if {$server_dir eq ""} return
  set t0 [clock milliseconds]
  foreach kind $servers { ::dfsrv::stop $kind $server_dir/$kind }
  file delete -force $server_dir
  catch {exec kill $watchdog}
  puts [format "all.tcl: servers stopped in %.1f s" [expr {([clock milliseconds] - $t0) / 1000.0}]]
  set server_dir ""
}

# --- running files ------------------------------------------------------

# Per file i: job($i,chan) job($i,out) (output not yet printed) job($i,summary)
# job($i,done) job($i,status) job($i,timedout) job($i,start) job($i,time)
array set job {}
set next 0          ;# next file to start
set head 0          ;# file whose output is being streamed
set running 0
set totals {passed 0 failed 0 skipped 0}
set failed_files {}

proc start_job {i} {
  global job files tclsh timeout running
  set f [lindex $files $i]
  set ch [open |[list $tclsh $f </dev/null 2>@1] r]
  fconfigure $ch -blocking 0 -encoding utf-8 -translation lf
  set job($i,chan) $ch
  set job($i,out) ""
  set job($i,summary) ""
  set job($i,done) 0
  set job($i,timedout) 0
  set job($i,start) [clock milliseconds]
  set job($i,timer) [after [expr {int($timeout * 1000)}] [list timeout_job $i]]
  incr running
  fileevent $ch readable [list read_job $i]
}

proc read_job {i} {
  global job files head
  set ch $job($i,chan)
  set name [file tail [lindex $files $i]]
  while {[gets $ch line] >= 0} {
    if {[regexp "^[regsub -all {\W} $name {\\&}]: (\\d+) passed, (\\d+) failed(?:, (\\d+) skipped)?\$" $line -> p f s]} {
      set job($i,summary) [list $p $f [expr {$s eq "" ? 0 : $s}]]
    }
    if {$i == $head} { puts $line } else { append job($i,out) $line\n }
  }
  if {[eof $ch]} { finish_job $i }
}

# The file's process is gone (or, WAIT=0, abandoned after a timeout: then
# close does not wait for it): its status.
proc finish_job {i {wait 1}} {
  global job running
  if {$job($i,done)} return
  set ch $job($i,chan)
  fconfigure $ch -blocking $wait
  set status 0
  if {[catch {close $ch} msg opts]} {
    set ec [dict get $opts -errorcode]
    switch -- [lindex $ec 0] {
      CHILDSTATUS { set status "exit status [lindex $ec 2]" }
      CHILDKILLED { set status "killed by [lindex $ec 2]" }
      default     { set status $msg }
    }
  }
  after cancel $job($i,timer)
  set job($i,status) $status
  set job($i,time) [expr {([clock milliseconds] - $job($i,start)) / 1000.0}]
  set job($i,done) 1
  incr running -1
  schedule
}

# Every descendant of PID, children first listed last (kill order does not
# matter: all get TERM, then KILL).
proc descendants {pid} {
  array set kids {}
  foreach line [split [exec ps -e -o pid= -o ppid=] \n] {
    lassign $line p pp
    lappend kids($pp) $p
  }
  set out {}
  set todo [list $pid]
  while {[llength $todo]} {
    set todo [lassign $todo p]
    if {[info exists kids($p)]} {
      lappend out {*}$kids($p)
      lappend todo {*}$kids($p)
    }
  }
  return $out
}

proc timeout_job {i} {
  global job
  set job($i,timedout) 1
  set pids [pid $job($i,chan)]
  foreach p $pids { lappend pids {*}[descendants $p] }
  catch {exec kill -TERM {*}$pids}
  after 5000 [list kill_job $i $pids]
}

proc kill_job {i pids} {
  global job
  if {$job($i,done)} return
  catch {exec kill -KILL {*}$pids 2>/dev/null}
  # A grandchild that kept the pipe open would keep us waiting: stop
  # listening after a grace period.
  after 2000 [list abandon_job $i]
}

proc abandon_job {i} {
  global job
  if {$job($i,done)} return
  fileevent $job($i,chan) readable {}
  finish_job $i 0
}

# Starts files while slots are free; prints finished files in order.
proc schedule {} {
  global next head running jobs files job
  while {$running < $jobs && $next < [llength $files]} {
    start_job $next
    incr next
  }
  while {$head < [llength $files] && [info exists job($head,done)]} {
    puts -nonewline $job($head,out)
    set job($head,out) ""
    if {!$job($head,done)} break
    report_job $head
    incr head
  }
  if {$head >= [llength $files]} { set ::forever 1 }
}

proc report_job {i} {
  global job files totals failed_files timeout
  set name [file tail [lindex $files $i]]
  set why ""
  if {$job($i,timedout)} {
    set why "timed out after $timeout s (DATAFLOW_TEST_TIMEOUT) and was killed"
  } elseif {$job($i,summary) eq ""} {
    set why "ended without its summary line ([expr {$job($i,status) eq 0 ? "exit status 0" : $job($i,status)}])"
  } elseif {$job($i,status) ne 0 && [lindex $job($i,summary) 1] == 0} {
    set why "reported no failure but ended with $job($i,status)"
  }
  if {$job($i,summary) ne ""} {
    lassign $job($i,summary) p f s
    dict incr totals passed $p
    dict incr totals failed $f
    dict incr totals skipped $s
    if {$f > 0} { lappend failed_files $name }
  }
  if {$why ne ""} {
    puts "! all.tcl: $name $why"
    dict incr totals failed
    if {$name ni $failed_files} { lappend failed_files $name }
  }
}

# --- main -----------------------------------------------------------------

set t0 [clock milliseconds]
set rc [catch {
  start_servers
  schedule
  vwait forever
} msg opts]
stop_servers
if {$rc} {
  puts "! all.tcl: [dict get $opts -errorinfo]"
  dict incr totals failed
}

set slow {}
for {set i 0} {$i < [llength $files]} {incr i} {
  if {[info exists job($i,time)] && $job($i,time) >= 5} {
    lappend slow [list [file tail [lindex $files $i]] $job($i,time)]
  }
}
if {[llength $slow]} {
  set parts {}
  foreach s [lrange [lsort -real -decreasing -index 1 $slow] 0 9] {
    lappend parts [format "%s %.1f s" {*}$s]
  }
  puts "Slowest: [join $parts {, }]"
}
puts [format "all.tcl: %d files in %.1f s" [llength $files] \
        [expr {([clock milliseconds] - $t0) / 1000.0}]]
if {[llength $failed_files]} { puts "Failed files: $failed_files" }
set line "[dict get $totals passed] passed, [dict get $totals failed] failed"
if {[dict get $totals skipped]} { append line ", [dict get $totals skipped] skipped" }
puts $line
exit [expr {[dict get $totals failed] > 0}]
