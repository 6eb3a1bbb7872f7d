# mysql_split.tcl — split MySQL script text into statements, for the tests
# that load the conformance corpus with the `mariadb` client (sourced by
# mysql_conformance_worker.tcl).
#
#   mysql_split_sql {CREATE TABLE t(a int); CREATE TRIGGER x ... BEGIN ...; END;}
#     -> {{CREATE TABLE t(a int)} {CREATE TRIGGER x ... BEGIN ...; END}}
#
# HOW IT WORKS
#   A regexp cuts the text into tokens (quoted strings and identifiers,
#   comments, words, single characters); a ';' ends a statement unless it is
#   inside a BEGIN ... END or CASE ... END block (END IF, END LOOP, END
#   WHILE and END REPEAT close nothing). The client then gets each statement
#   with DELIMITER $$$, so compound bodies reach the server whole.

proc mysql_split_sql {sql} {
  set tokens [regexp -all -inline {'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`(?:[^`]|``)*`|--[ \t][^\n]*|--\n|#[^\n]*|/\*.*?\*/|[A-Za-z_][A-Za-z0-9_$]*|\s+|.} $sql]
  set out {}
  set cur ""
  set depth 0
  set n [llength $tokens]
  for {set i 0} {$i < $n} {incr i} {
    set t [lindex $tokens $i]
    set u [string toupper $t]
    if {$u eq "BEGIN" || $u eq "CASE"} {
      incr depth
    } elseif {$u eq "END"} {
      set j [expr {$i+1}]
      while {$j < $n && [string is space [lindex $tokens $j]]} { incr j }
      set nx [string toupper [lindex $tokens $j]]
      if {$nx ni {IF LOOP WHILE REPEAT} && $depth > 0} { incr depth -1 }
    }
    if {$t eq ";" && $depth == 0} {
      if {[string trim $cur] ne ""} { lappend out [string trim $cur] }
      set cur ""
      continue
    }
    append cur $t
  }
  regsub -all {(?n)^\s*(--[^\n]*|#[^\n]*)$} $cur {} rest
  if {[string trim $rest] ne ""} { lappend out [string trim $cur] }
  return $out
}
