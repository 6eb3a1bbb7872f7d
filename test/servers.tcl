# servers.tcl — PostgreSQL, MariaDB and MongoDB test servers for the TCL suite.
#
# Usage, in a test file (after tester.tcl):
#
#   source $testdir/servers.tcl
#   require_server pg                    ;# or: require_server mysql / mongo
#   set url [pg_fresh_db pgmirror_a]     ;# postgresql://postgres@127.0.0.1:PORT/pgmirror_a
#   pg_exec pgmirror_a {CREATE TABLE t(a int); SELECT 1}   ;# -> 1 (psql -At output)
#   set url [mysql_fresh_db mymirror_a]  ;# mysql://root@127.0.0.1:PORT/mymirror_a
#   mysql_exec mymirror_a {SELECT 1}                      ;# -> 1 (tab-separated)
#
#   Database names must start with the file's testprefix (here pgmirror and
#   mymirror): files run in parallel on the same server.
#   pg_url NAME,  mysql_url NAME         ;# URLs of existing databases
#   set url [mongo_fresh_db mgmirror_a]  ;# mongodb://127.0.0.1:PORT/mgmirror_a (dropped first)
#   mongo_cmd mgmirror_a {{"insert":"t","documents":[{"a":1}]}}  ;# replies, relaxed JSON
#   mongo_docs mgmirror_a t ?FILTER?     ;# documents sorted by _id, one JSON per line, keys sorted
#   mongo_url NAME
#
#   MongoDB: the server is tool-scripts/mongo-test-server (mockupdb +
#   mongomock, no real mongod can be installed here).  When
#   DATAFLOW_TEST_MONGODB_URI is set (mongodb://host:port/?authSource=admin)
#   the tests run against that real server instead, the reference; each
#   file's databases are named after its testprefix there too.
#
# require_server KIND
#   ends the file as skipped, with the reason, when the engine is not built
#   into tools/dataflow (`dataflow engines`) or DATAFLOW_SKIP_PG /
#   DATAFLOW_SKIP_MYSQL is set; ends it as a failure when the server did not
#   start.  Under test/all.tcl the servers are started once for the whole
#   run and shared through the environment (DATAFLOW_TEST_PG_URL, PGHOST,
#   PGPORT, PGUSER; DATAFLOW_TEST_MYSQL_URL, MYSQL_UNIX_PORT, MYSQL_HOME).
#   A file run on its own (tclsh test/x.test) starts a private server under
#   /tmp and stops it in finish_test.
#
# HOW IT WORKS
#   The servers are tool-scripts/pg-test-server and mariadb-test-server
#   (start/stop/env DIR); this file runs them and turns their `env` output
#   into ::env.  all.tcl sources this file too (without tester.tcl) for the
#   ::dfsrv procs: which files need which server, start, stop, environment.
#   Clients are psql and mariadb, given the same URLs the tests give
#   dataflow (mariadb with --no-defaults, so that no /etc/mysql setting
#   sends it elsewhere).

namespace eval ::dfsrv {
  variable repo [file dirname [file dirname [file normalize [info script]]]]
  variable title                     ;# array: kind -> server name for messages
  array set title {pg PostgreSQL mysql MariaDB mongo MongoDB}
  variable engine                    ;# array: kind -> name in `dataflow engines`
  array set engine {pg postgresql mysql mysql mongo mongodb}
  variable script                    ;# array: kind -> tool-scripts/ script
  array set script {pg pg-test-server mysql mariadb-test-server mongo mongo-test-server}
  variable urlvar                    ;# array: kind -> env variable of its URL
  array set urlvar {pg DATAFLOW_TEST_PG_URL mysql DATAFLOW_TEST_MYSQL_URL mongo DATAFLOW_TEST_MONGO_URL}
  variable skipvar                   ;# array: kind -> env variable that skips it
  array set skipvar {pg DATAFLOW_SKIP_PG mysql DATAFLOW_SKIP_MYSQL mongo DATAFLOW_SKIP_MONGO}
  # A real MongoDB given by the user replaces the test server.
  if {[info exists ::env(DATAFLOW_TEST_MONGODB_URI)] && $::env(DATAFLOW_TEST_MONGODB_URI) ne ""
      && ![info exists ::env(DATAFLOW_TEST_MONGO_URL)]} {
    set ::env(DATAFLOW_TEST_MONGO_URL) $::env(DATAFLOW_TEST_MONGODB_URI)
  }
}

proc ::dfsrv::check_kind {kind} {
  if {$kind ni {pg mysql mongo}} {
    error "unknown server '$kind': use pg, mysql or mongo"
  }
}

# The kinds of server FILE needs, from its `require_server KIND` lines.
proc ::dfsrv::needed_by {file} {
  set f [open $file r]
  fconfigure $f -encoding utf-8
  set text [read $f]
  close $f
  set kinds {}
  foreach kind {pg mysql mongo} {
    if {[regexp "\\mrequire_server\\s+$kind\\M" $text]} { lappend kinds $kind }
  }
  return $kinds
}

# "" when the engine of KIND can be tested, else why not.  BIN is the
# dataflow command: an engine its `engines` output lists on a line that says
# "no" or "not" was configured out.  No command (not built yet) or no such
# line: assume built, the tests will say otherwise.
proc ::dfsrv::skip_reason {kind bin} {
  variable skipvar
  variable engine
  variable title
  set var $skipvar($kind)
  if {[info exists ::env($var)] && $::env($var) ni {"" 0}} {
    return "$title($kind) tests disabled by $var"
  }
  if {[file executable $bin] && ![catch {exec $bin engines < /dev/null 2>@1} out]} {
    foreach line [split $out \n] {
      if {[regexp -nocase "^\\s*$engine($kind)\\M\[:\\s\]*(.*)\$" $line -> rest]
          && [regexp -nocase {\m(no|not)\M} $rest]} {
        return "$title($kind) is not built into tools/dataflow: [regsub -all {\s+} [string trim $line] { }]"
      }
    }
  }
  return ""
}

# Starts the server of KIND in DIR; returns {ok output}.
proc ::dfsrv::start {kind dir} {
  variable repo
  variable script
  set ok [expr {![catch {exec [file join $repo tool-scripts $script($kind)] start $dir < /dev/null 2>@1} out]}]
  regsub {\nchild process exited abnormally$} $out {} out
  list $ok $out
}

proc ::dfsrv::stop {kind dir} {
  variable repo
  variable script
  catch {exec [file join $repo tool-scripts $script($kind)] stop $dir < /dev/null 2>@1}
}

# The server's `env` output as a dict VAR VALUE (from `export VAR=VALUE`
# lines; values were quoted with bash's printf %q).
proc ::dfsrv::environment {kind dir} {
  variable repo
  variable script
  set out [exec [file join $repo tool-scripts $script($kind)] env $dir < /dev/null]
  set vars {}
  foreach line [split $out \n] {
    if {[regexp {^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$} $line -> var value]} {
      regsub -all {\\(.)} $value {\1} value
      dict set vars $var $value
    }
  }
  return $vars
}

# Starts KIND for a test file run on its own; stopped by finish_test.
proc ::dfsrv::start_private {kind} {
  set dir [exec mktemp -d /tmp/dataflow-[file rootname $::df::file]-$kind.XXXXXX]
  file attributes $dir -permissions 0755    ;# the server user must enter it
  lassign [::dfsrv::start $kind $dir/server] ok out
  lappend ::df::atexit [list ::dfsrv::stop $kind $dir/server] [list file delete -force $dir]
  if {!$ok} { return $out }
  dict for {var value} [::dfsrv::environment $kind $dir/server] { set ::env($var) $value }
  return ""
}

# --- for test files -------------------------------------------------------

proc require_server {kind} {
  ::dfsrv::check_kind $kind
  set name "server-$kind"
  set reason [::dfsrv::skip_reason $kind $::dataflow_bin]
  if {$reason ne ""} {
    skip_test $name $reason
    finish_test
  }
  set var [string map {URL ERROR} $::dfsrv::urlvar($kind)]   ;# DATAFLOW_TEST_PG_ERROR
  if {[info exists ::env($var)]} {
    ::df::abort "the $::dfsrv::title($kind) test server did not start:\n$::env($var)"
  }
  if {![info exists ::env($::dfsrv::urlvar($kind))]} {
    set err [::dfsrv::start_private $kind]
    if {$err ne ""} {
      ::df::abort "the $::dfsrv::title($kind) test server did not start:\n$err"
    }
  }
  # It answers: a server that is gone fails here, not in every test.
  if {[catch {if {$kind eq "mongo"} { mongo_cmd admin {{"ping":1}} } else { ${kind}_exec "" {SELECT 1} }} msg]} {
    ::df::abort "the $::dfsrv::title($kind) test server does not answer: $msg"
  }
}

# Percent-encodes S for a URL path segment.
proc ::dfsrv::urlencode {s} {
  set out ""
  foreach byte [split [encoding convertto utf-8 $s] ""] {
    if {[regexp {^[A-Za-z0-9._~-]$} $byte]} {
      append out $byte
    } else {
      append out [format %%%02X [scan $byte %c]]
    }
  }
  return $out
}

proc pg_url {name} {
  regsub {/[^/]*$} $::env(DATAFLOW_TEST_PG_URL) "/[::dfsrv::urlencode $name]" url
  return $url
}

proc mysql_url {name} {
  return "[string trimright $::env(DATAFLOW_TEST_MYSQL_URL) /]/[::dfsrv::urlencode $name]"
}

# The psql binary itself: Debian's /usr/bin/psql is a Perl wrapper that
# costs ~70 ms per start, and tests start psql hundreds of times.
proc ::dfsrv::psql {} {
  variable psql_bin
  if {![info exists psql_bin]} {
    set psql_bin psql
    foreach d [list [expr {[info exists ::env(PG_BIN)] ? $::env(PG_BIN) : ""}] \
                 /usr/lib/postgresql/15/bin] {
      if {$d ne "" && [file executable [file join $d psql]]} {
        set psql_bin [file join $d psql]
        break
      }
    }
  }
  return $psql_bin
}

# Runs SQL (any number of statements, each on its own as psql sends them)
# in database DB ("" = postgres) over the URL; returns psql's unaligned,
# tuples-only output.  An SQL error is a Tcl error carrying psql's message.
proc pg_exec {db sql} {
  if {$db eq ""} { set db postgres }
  set rc [catch {exec [::dfsrv::psql] -X -q -A -t -v ON_ERROR_STOP=1 -d [pg_url $db] \
                     -f - << $sql 2>@1} out]
  regsub {\nchild process exited abnormally$} $out {} out
  if {$rc} { error $out }
  return $out
}

# Runs SQL in database DB ("" = none) as the URL's user, over TCP; returns
# the tab-separated rows without a header.
proc mysql_exec {db sql} {
  if {![regexp {^mysql://([^@/]+)@([^:/]+):(\d+)/} $::env(DATAFLOW_TEST_MYSQL_URL) -> user host port]} {
    error "mysql_exec: cannot read DATAFLOW_TEST_MYSQL_URL '$::env(DATAFLOW_TEST_MYSQL_URL)'"
  }
  set cmd [list mariadb --no-defaults --protocol=tcp --host=$host --port=$port \
               --user=$user --batch --skip-column-names --default-character-set=utf8mb4]
  if {$db ne ""} { lappend cmd --database=$db }
  set rc [catch {exec {*}$cmd << $sql 2>@1} out]
  regsub {\nchild process exited abnormally$} $out {} out
  if {$rc} {
    # The client echoes the failed statement between dashes: keep the error.
    regexp {ERROR \d+ .*$} $out out
    error $out
  }
  return $out
}

# Test files run in parallel against one server: a database name must
# start with the file's testprefix, so that two files never share one.
proc ::dfsrv::check_dbname {cmd name} {
  if {[info exists ::testprefix] && $::testprefix ne ""
      && ![string match -nocase "$::testprefix*" $name]} {
    error "$cmd: database name '$name' must start with the test prefix '$::testprefix' (test files share the server)"
  }
}

# Drops database NAME if it exists, creates it empty; returns its URL.
proc pg_fresh_db {name} {
  ::dfsrv::check_dbname pg_fresh_db $name
  set q "\"[string map {\" \"\"} $name]\""
  pg_exec "" "DROP DATABASE IF EXISTS $q WITH (FORCE);"
  pg_exec "" "CREATE DATABASE $q;"
  return [pg_url $name]
}

proc mysql_fresh_db {name} {
  ::dfsrv::check_dbname mysql_fresh_db $name
  set q "`[string map {` ``} $name]`"
  mysql_exec "" "DROP DATABASE IF EXISTS $q; CREATE DATABASE $q;"
  return [mysql_url $name]
}

# --- MongoDB ------------------------------------------------------------------

# The URL of database NAME: the path of DATAFLOW_TEST_MONGO_URL replaced,
# its query (?authSource=admin ...) kept.
proc mongo_url {name} {
  set base $::env(DATAFLOW_TEST_MONGO_URL)
  set query ""
  if {[regexp {^([^?]*)(\?.*)$} $base -> base query]} {}
  if {![regexp {^(mongodb(?:\+srv)?://[^/]*)} $base -> hostpart]} {
    error "mongo_url: cannot read DATAFLOW_TEST_MONGO_URL '$::env(DATAFLOW_TEST_MONGO_URL)'"
  }
  return "$hostpart/[::dfsrv::urlencode $name]$query"
}

# One request to the client co-process (tool-scripts/mongo-test-server
# repl, pymongo), started on first use: a Python start per call would cost
# seconds.  Returns the output; a failure is a Tcl error carrying it.
proc ::dfsrv::mongo_request {fields} {
  variable mongo_chan
  variable mongo_chan_url
  if {[info exists mongo_chan] && $mongo_chan_url ne $::env(DATAFLOW_TEST_MONGO_URL)} {
    catch {close $mongo_chan}
    unset mongo_chan
  }
  if {![info exists mongo_chan]} {
    set script [file join $::dfsrv::repo tool-scripts mongo-test-server]
    set mongo_chan [open |[list $script repl $::env(DATAFLOW_TEST_MONGO_URL) 2>@1] r+]
    set mongo_chan_url $::env(DATAFLOW_TEST_MONGO_URL)
    fconfigure $mongo_chan -buffering line -encoding utf-8 -translation lf
  }
  # one line per request: JSON may hold newlines only as whitespace
  set line [join [lmap f $fields {string map {"\n" " " "\t" " " "\r" " "} $f}] "\t"]
  puts $mongo_chan $line
  set out {}
  while {[gets $mongo_chan l] >= 0} {
    if {[regexp "^\x01 (\\d+)\$" $l -> rc]} {
      set text [join $out \n]
      if {$rc} { error $text }
      return $text
    }
    lappend out $l
  }
  catch {close $mongo_chan}
  unset mongo_chan
  error "mongo client ended: [join $out \n]"
}

# Runs MongoDB commands (extended JSON, one per argument) on database DB with
# pymongo; returns the replies, one relaxed-JSON line each (cursor replies:
# the first batch).  A command error is a Tcl error "error CODE: message".
proc mongo_cmd {db args} {
  set out {}
  foreach c $args { lappend out [::dfsrv::mongo_request [list cmd $db $c]] }
  join $out \n
}

# The documents of collection COLL in DB (FILTER: extended JSON), sorted by
# _id, one relaxed-JSON line each with the keys sorted.
proc mongo_docs {db coll {filter ""}} {
  set req [list docs $db $coll]
  if {$filter ne ""} { lappend req $filter }
  ::dfsrv::mongo_request $req
}

# Drops database NAME (it must start with the file's testprefix); returns its URL.
proc mongo_fresh_db {name} {
  ::dfsrv::check_dbname mongo_fresh_db $name
  mongo_cmd $name {{"dropDatabase":1}}
  return [mongo_url $name]
}
