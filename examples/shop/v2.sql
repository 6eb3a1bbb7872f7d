-- The shop as the next release wants it: a renamed column, a new column
-- with a default, a unique index, a note on orders and a view.
CREATE TABLE customers (
  id         INTEGER PRIMARY KEY,
  full_name  TEXT NOT NULL,
  email      VARCHAR(255),
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX customers_email ON customers(email);
CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  total       NUMERIC(10,2) NOT NULL DEFAULT 0,
  note        TEXT
);
CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 100;
