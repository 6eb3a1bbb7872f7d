# apply_mutations.tcl — what apply_mutations.test and pg_mutations.test
# share: running tool-scripts/mutate, and reading a variant's truth.json
# into the facts a data round trip needs (renames, dropped objects, type
# changes, rename hints).
#
# Usage (after tester.tcl):
#   source $testdir/apply_mutations.tcl
#   set dirs [mut_generate {a.sql b.sql} NAME SEED COUNT ?KINDS?]
#                                  ;# one output directory per schema
#   set v [mut_truth $dir/0001/truth.json]
#   mut_new_table $v T             ;# T's name after the mutations ("" dropped)
#   mut_new_column $v T C          ;# C's name after them ("" dropped)
#   mut_old_table $v T2, mut_old_column $v T2 C2   ;# the way back
#   mut_type_changed $v T C        ;# 1 when C's declared type changed
#   mut_rename_args $v             ;# {--rename t.c=new ...} from the hints
#   mut_describe $v                ;# the mutations, one line, for messages
#
#   set err [fill DB $v to.sql]    ;# sample rows into from.sql's SQLite file DB
#   set rows [all_rows ...]        ;# (each test file reads its own engine)
#   lassign [expected_rows $v $rows] want only   ;# the rows after the mutations
#   mask_types $want $got          ;# $got without the storage class where
#                                  ;#   $want has "*" (a column whose type changed)
#   rows_diff $want $got           ;# "" or what differs, per table
#   proc mut_value {t c aff i k}   ;# redefine: the literal fill writes
#
# Rows are dicts table -> sorted list of rows, a row a list of
# {column storage-class value} in column-name order.
#
# HOW IT WORKS
#   truth.json's "mutations" say what was done, with the names as they were
#   before (a variant renames a table or touches its columns, never both,
#   so the old name identifies each object). mut_truth reads them with
#   SQLite's JSON functions into a dict of small dicts, all keyed by
#   lower-case names as SQLite compares them.
#   fill reads to.sql into an in-memory database too, for what the rows
#   must already satisfy there (NOT NULL, foreign keys added by the
#   variant), fills tables parents first with the table's triggers dropped
#   meanwhile (Sakila's would rewrite last_update) and recreated, and
#   checks PRAGMA foreign_key_check at the end.

set ::mut_script [file join [file dirname [file dirname [file normalize [info script]]]] \
                      tool-scripts mutate]
set ::nrow 4                            ;# sample rows per table
set ::mut_python python3
if {[file executable /usr/bin/python3]} { set ::mut_python /usr/bin/python3 }

# Variants of every schema in SRCS (COUNT each, seed SEED) under
# $tmpdir/mut/NAME, in one run of the generator; the output directory of
# each schema, in the order of SRCS (mutate writes schema k to NNN/).
proc mut_generate {srcs name seed count {kinds ""}} {
  set out $::tmpdir/mut/$name
  set cmd [list $::mut_python $::mut_script {*}$srcs --seed $seed --count $count -o $out]
  if {$kinds ne ""} { lappend cmd --kinds $kinds }
  exec {*}$cmd
  if {[llength $srcs] == 1} { return [list $out] }
  set dirs {}
  set k 0
  foreach src $srcs { lappend dirs [format %s/%03d $out [incr k]] }
  return $dirs
}

# The facts of truth file PATH: a dict with keys
#   tables   old table (lower case) -> new name, or "" when dropped
#   columns  {old table, old column} (lower case) -> new name, or ""
#   types    {old table, old column} (lower case) -> 1 (type changed)
#   rtables  new table (lower case) -> old name;  rcolumns likewise
#   hints    {old=new ...} from "options"
#   ops      the mutations, as text
proc mut_truth {path} {
  sqlite3 ::mut_jdb :memory:
  set json [read_file $path]
  set v [dict create tables {} columns {} types {} rtables {} rcolumns {} hints {} ops {}]
  ::mut_jdb eval {
    SELECT json_extract(value, '$.op') AS op, json_extract(value, '$.table') AS t,
           json_extract(value, '$.column') AS c, json_extract(value, '$.new') AS n,
           value AS m
      FROM json_each($json, '$.mutations')
  } {
    dict lappend v ops $m
    set tl [string tolower $t]
    switch -- $op {
      rename_table - rename_table_naming - rename_table_referenced {
        dict set v tables $tl $n
        dict set v rtables [string tolower $n] $t
      }
      drop_table { dict set v tables $tl "" }
      rename_column - rename_column_naming - rename_column_keyed {
        dict set v columns [list $tl [string tolower $c]] $n
        dict set v rcolumns [list $tl [string tolower $n]] $c
      }
      rename_column_hint {
        dict set v columns [list $tl [string tolower $c]] $n
        dict set v rcolumns [list $tl [string tolower $n]] $c
        dict set v types [list $tl [string tolower $c]] 1
      }
      change_type { dict set v types [list $tl [string tolower $c]] 1 }
      drop_column { dict set v columns [list $tl [string tolower $c]] "" }
    }
  }
  ::mut_jdb eval {
    SELECT key, value FROM json_each(json_extract($json, '$.options'), '$.rename')
  } {
    dict lappend v hints $key=$value
  }
  ::mut_jdb close
  return $v
}

# The name recorded under MAP (tables, columns, rtables, rcolumns) for KEY
# (lower case), or NAME when there is none.
proc mut_renamed {v map key name} {
  if {[dict exists $v $map $key]} { return [dict get $v $map $key] }
  return $name
}
proc mut_new_table {v t} {
  mut_renamed $v tables [string tolower $t] $t
}
proc mut_new_column {v t c} {
  mut_renamed $v columns [list [string tolower $t] [string tolower $c]] $c
}
# Old names from new ones: T2 is a table name after the mutations.
proc mut_old_table {v t2} {
  mut_renamed $v rtables [string tolower $t2] $t2
}
proc mut_old_column {v t2 c2} {
  mut_renamed $v rcolumns [list [string tolower [mut_old_table $v $t2]] [string tolower $c2]] $c2
}
proc mut_type_changed {v t c} {
  dict exists $v types [list [string tolower $t] [string tolower $c]]
}
proc mut_rename_args {v} {
  set out {}
  foreach h [dict get $v hints] { lappend out --rename $h }
  return $out
}
proc mut_describe {v} {
  sqlite3 ::mut_jdb :memory:
  set out [lmap m [dict get $v ops] { ::mut_jdb onecolumn {SELECT json($m)} }]
  ::mut_jdb close
  join $out "; "
}

# ---------------------------------------------------------------------------
# Sample rows and row comparison (SQLite connections; the PostgreSQL file
# fills an SQLite copy of from.sql, then copies the rows over)

proc qi {s} { return "\"[string map {\" \"\"} $s]\"" }

# User tables of connection H in creation order (no DataFlow tables, no
# virtual or shadow tables).
proc user_tables {h} {
  $h eval {SELECT l.name FROM pragma_table_list l JOIN sqlite_schema s ON s.name = l.name
           WHERE l.schema = 'main' AND l.type = 'table' AND l.name NOT LIKE 'sqlite%'
             AND l.name NOT LIKE 'dataflow%' ORDER BY s.rowid}
}

# ---------------------------------------------------------------------------
# Sample rows

# SQLite's affinity of declared type TYPE.
proc affinity {type} {
  set u [string toupper $type]
  if {[string match *INT* $u]} { return integer }
  if {[string match *CHAR* $u] || [string match *CLOB* $u] || [string match *TEXT* $u]} { return text }
  if {[string match *BLOB* $u] || $u eq ""} { return blob }
  if {[string match *REAL* $u] || [string match *FLOA* $u] || [string match *DOUB* $u]} { return real }
  return numeric
}

# A literal for row I of the K-th column, of affinity AFF: distinct in
# every row and column, so that a swapped or lost column shows. Text is
# digits, so that a change to a numeric type converts it.
proc sample_literal {aff i k} {
  set n [expr {$i * 1000 + $k}]
  switch -- $aff {
    integer - numeric { return $n }
    real { return $n.5 }
    text { return '$n' }
    blob { return [format "x'%04x'" $n] }
  }
}

# The literal for row I of column C of table T (AFF its affinity, K its
# number in the whole schema). A test file may redefine it (the PostgreSQL
# one writes values of the column's PostgreSQL type).
proc mut_value {t c aff i k} { sample_literal $aff $i $k }

# The CHECK expressions of CREATE TABLE text SQL, as token lists.
proc check_texts {sql} {
  set out {}
  set pos 0
  while {[regexp -nocase -start $pos -indices {\mCHECK\s*\(} $sql m]} {
    set start [lindex $m 1]
    set depth 0
    set inq ""
    for {set j $start} {$j < [string length $sql]} {incr j} {
      set ch [string index $sql $j]
      if {$inq ne ""} { if {$ch eq $inq} { set inq "" }; continue }
      if {$ch in {' \"}} { set inq $ch; continue }
      if {$ch eq "("} { incr depth } elseif {$ch eq ")"} { incr depth -1; if {$depth == 0} break }
    }
    lappend out [string range $sql $start $j]
    set pos $j
  }
  return $out
}

# Literals a CHECK of table SQL offers for column C (quoted strings and
# numbers of the checks that name C), or {}.
proc check_literals {sql c} {
  set out {}
  foreach ck [check_texts $sql] {
    set names [regexp -all -inline {[A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")*"} $ck]
    set names [lmap n $names { string tolower [string map {\"\" \"} [string trim $n \"]] }]
    if {[string tolower $c] ni $names} continue
    foreach lit [regexp -all -inline {'(?:[^']|'')*'|\m\d+(?:\.\d+)?\M} $ck] {
      if {$lit ni $out} { lappend out $lit }
    }
  }
  return $out
}

# Facts of schema file TO for the fill, keyed by the names of from.sql
# (variant V maps them back): tonn (table column) -> 1 when to.sql makes
# the column NOT NULL; tofk: table -> {{cols} reftable {refcols}} ...
proc to_facts {v to} {
  sqlite3 ::tdb :memory:
  ::tdb eval [read_file $to]
  set nn {}
  set fks {}
  foreach t2 [user_tables ::tdb] {
    set t [mut_old_table $v $t2]
    set pk {}
    ::tdb eval {SELECT name, "notnull" AS isnn, pk FROM pragma_table_xinfo($t2) ORDER BY cid} {
      if {$isnn} { dict set nn [list [string tolower $t] [string tolower [mut_old_column $v $t2 $name]]] 1 }
      if {$pk} { lappend pk [list $pk $name] }
    }
    set cur -1
    ::tdb eval {SELECT id, "table" AS rt, "from" AS fc, "to" AS tc FROM pragma_foreign_key_list($t2)
                ORDER BY id, seq} {
      if {$id != $cur} {
        if {$cur >= 0} { dict lappend fks [string tolower $t] $fk }
        set fk [list {} [mut_old_table $v $rt] {}]
        set cur $id
      }
      lset fk 0 end+1 [mut_old_column $v $t2 $fc]
      if {$tc ne ""} { lset fk 2 end+1 [mut_old_column $v $rt $tc] }
    }
    if {$cur >= 0} { dict lappend fks [string tolower $t] $fk }
  }
  ::tdb close
  list $nn $fks
}

# Foreign keys of table T on connection H: {{cols} reftable {refcols}} ...
# ({refcols} empty: the primary key).
proc from_fks {h t} {
  set out {}
  set cur -1
  $h eval {SELECT id, "table" AS rt, "from" AS fc, "to" AS tc FROM pragma_foreign_key_list($t)
           ORDER BY id, seq} {
    if {$id != $cur} {
      if {$cur >= 0} { lappend out $fk }
      set fk [list {} $rt {}]
      set cur $id
    }
    lset fk 0 end+1 $fc
    if {$tc ne ""} { lset fk 2 end+1 $tc }
  }
  if {$cur >= 0} { lappend out $fk }
  return $out
}

# Primary key columns of table T on connection H, in key order.
proc pk_columns {h t} {
  $h eval {SELECT name FROM pragma_table_xinfo($t) WHERE pk > 0 ORDER BY pk}
}

# Fills the database at PATH (from.sql of variant V, whose to.sql is TO)
# with $::nrow rows per table. Tables are filled parents first (foreign
# keys of both schemas); a foreign key takes its values from row i of the
# table it references (NULL, or the row's own values for a self reference,
# when that table has no rows yet). Returns "" or what went wrong.
proc fill {path v to} {
  lassign [to_facts $v $to] tonn tofk
  sqlite3 ::fdb $path
  ::fdb eval {PRAGMA foreign_keys=OFF; PRAGMA synchronous=OFF}
  set tables [user_tables ::fdb]
  # Foreign keys per table, from.sql's then to.sql's; parents first.
  array set fks {}
  array set sqls {}
  foreach t $tables {
    set fks($t) [concat [from_fks ::fdb $t] \
                     [expr {[dict exists $tofk [string tolower $t]] ? [dict get $tofk [string tolower $t]] : {}}]]
    set sqls($t) [::fdb onecolumn {SELECT sql FROM sqlite_schema WHERE name=$t}]
  }
  set order {}
  set left $tables
  while {[llength $left]} {
    set progress 0
    foreach t $left {
      set ready 1
      foreach fk $fks($t) {
        set rt [lindex $fk 1]
        if {[string tolower $rt] ne [string tolower $t]
            && [lsearch -nocase $left $rt] >= 0} { set ready 0 }
      }
      if {$ready} {
        lappend order $t
        set left [lsearch -all -inline -not -exact $left $t]
        set progress 1
      }
    }
    if {!$progress} {            ;# a cycle: take the first, NULLs break it
      lappend order [lindex $left 0]
      set left [lrange $left 1 end]
    }
  }
  # Triggers would change the rows as they go in (Sakila's set
  # last_update): they are put back once the rows are in.
  set triggers [::fdb eval {SELECT name, sql FROM sqlite_schema WHERE type='trigger' ORDER BY rowid}]
  foreach {name sql} $triggers { ::fdb eval "DROP TRIGGER [qi $name]" }
  set err ""
  set later {}
  set tno 0
  foreach t $order {
    incr tno
    set cols {}; set affs {}; set nulls {}; set lits {}
    set pk [pk_columns ::fdb $t]
    ::fdb eval {SELECT name, type, "notnull" AS nn FROM pragma_table_xinfo($t) WHERE hidden=0 ORDER BY cid} {
      lappend cols $name
      lappend affs [affinity $type]
      set key [list [string tolower $t] [string tolower $name]]
      lappend nulls [expr {!$nn && $name ni $pk && ![dict exists $tonn $key]}]
      lappend lits [check_literals $sqls($t) $name]
    }
    if {![llength $cols]} continue
    # Per column: the referenced table and column, from the first foreign key naming it.
    array unset ref
    foreach fk $fks($t) {
      lassign $fk fcols rt rcols
      if {![llength $rcols]} {
        set rcols [pk_columns ::fdb $rt]
        if {![llength $rcols]} { set rcols rowid }
      }
      foreach fc $fcols rc $rcols {
        set i [lsearch -nocase -exact $cols $fc]
        if {$i >= 0 && ![info exists ref($i)]} { set ref($i) [list $rt $rc] }
      }
    }
    for {set i 1} {$i <= $::nrow} {incr i} {
      set vals {}
      set k 0
      foreach c $cols aff $affs canNull $nulls lit $lits {
        if {$i == $::nrow && $canNull} {
          lappend vals NULL
        } elseif {[llength $lit]} {
          lappend vals [lindex $lit [expr {($i - 1) % [llength $lit]}]]
        } else {
          lappend vals [mut_value $t $c $aff $i [expr {$tno * 50 + $k}]]
        }
        incr k
      }
      # Foreign key columns: the values of row i of the referenced table.
      foreach k [array names ref] {
        if {[lindex $vals $k] eq "NULL"} continue
        lassign $ref($k) rt rc
        if {[string tolower $rt] eq [string tolower $t]} {
          set j [lsearch -nocase -exact $cols $rc]
          if {$j >= 0 && ![info exists ref($j)]} { lset vals $k [lindex $vals $j] }
          continue
        }
        set n [::fdb onecolumn "SELECT count(*) FROM [qi $rt]"]
        if {$n == 0} {
          # A cycle: NULL, or set once the referenced table has its rows.
          if {[lindex $nulls $k]} {
            lset vals $k NULL
          } else {
            lappend later [list $t [lindex $cols $k] $rt $rc]
          }
          continue
        }
        set off [expr {($i - 1) % $n}]
        set x [::fdb onecolumn "SELECT quote([qi $rc]) FROM [qi $rt] ORDER BY rowid LIMIT 1 OFFSET $off"]
        lset vals $k $x
      }
      if {[catch {::fdb eval "INSERT INTO [qi $t]([join [lmap c $cols {qi $c}] ,]) VALUES([join $vals ,])"} msg]
          && ![string match "UNIQUE constraint failed*" $msg]} {
        lappend err "$t row $i: $msg"
      }
    }
  }
  foreach l [lsort -unique $later] {
    lassign $l t c rt rc
    set refs [::fdb eval "SELECT [qi $rc] FROM [qi $rt] ORDER BY rowid"]
    set j 0
    foreach rid [::fdb eval "SELECT rowid FROM [qi $t] ORDER BY rowid"] {
      set x [lindex $refs [expr {$j % [llength $refs]}]]
      ::fdb eval "UPDATE [qi $t] SET [qi $c] = \$x WHERE rowid = \$rid"
      incr j
    }
  }
  foreach {name sql} $triggers { ::fdb eval $sql }
  set bad [::fdb eval {PRAGMA foreign_key_check}]
  if {[llength $bad]} { lappend err "foreign_key_check: $bad" }
  ::fdb close
  return [join $err "; "]
}

# The rows of BEFORE as the mutations of V should have left them: dropped
# tables and columns removed, renamed ones under their new name, the
# storage class of a column whose type changed left out ("*"). Returns
# {rows only}: the expected rows, and what to read after the apply.
proc expected_rows {v before} {
  set rows {}
  set only {}
  dict for {t trows} $before {
    set t2 [mut_new_table $v $t]
    if {$t2 eq ""} continue
    set out {}
    foreach row $trows {
      set r {}
      foreach cell $row {
        lassign $cell c ty val
        set c2 [mut_new_column $v $t $c]
        if {$c2 eq ""} continue
        if {[mut_type_changed $v $t $c]} { set ty * }
        lappend r [list $c2 $ty $val]
      }
      lappend out [lsort -index 0 $r]
    }
    dict set rows $t2 [lsort $out]
    if {[llength $trows]} {
      dict set only $t2 [lmap cell [lindex $out 0] {lindex $cell 0}]
    } else {
      dict set only $t2 {}
    }
  }
  list $rows $only
}

# AFTER with the storage class blanked where EXPECTED has "*".
proc mask_types {expected after} {
  set out {}
  dict for {t rows} $after {
    if {![dict exists $expected $t] || ![llength [dict get $expected $t]]} {
      dict set out $t $rows
      continue
    }
    set mask [lindex [dict get $expected $t] 0]
    set m {}
    foreach row $rows {
      set r {}
      foreach cell $row want $mask {
        if {[lindex $want 1] eq "*"} { lset cell 1 * }
        lappend r $cell
      }
      lappend m $r
    }
    dict set out $t [lsort $m]
  }
  return $out
}

# What differs between row dicts WANT and GOT: "" when nothing, else the
# first missing and extra rows of each table that differs.
proc rows_diff {want got} {
  set out {}
  foreach t [lsort -unique [concat [dict keys $want] [dict keys $got]]] {
    if {![dict exists $got $t]} { lappend out "table $t missing"; continue }
    if {![dict exists $want $t]} { lappend out "table $t unexpected"; continue }
    set w [dict get $want $t]
    set g [dict get $got $t]
    if {$w eq $g} continue
    set miss [lmap r $w { expr {$r in $g ? [continue] : $r} }]
    set extra [lmap r $g { expr {$r in $w ? [continue] : $r} }]
    lappend out "table $t ([llength $w] rows wanted, [llength $g] got): missing [lrange $miss 0 1] extra [lrange $extra 0 1]"
  }
  join $out \n
}

