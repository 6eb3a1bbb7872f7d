-- The shop as it runs today (portable DDL in SQLite syntax).
CREATE TABLE customers (
  id    INTEGER PRIMARY KEY,
  name  TEXT NOT NULL,
  email VARCHAR(255)
);
CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  total       NUMERIC(10,2) NOT NULL DEFAULT 0
);
