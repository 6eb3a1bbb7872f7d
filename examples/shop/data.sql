INSERT INTO customers VALUES (1, 'Ada Lovelace', 'ada@example.org'),
                             (2, 'Charles Babbage', NULL);
INSERT INTO orders VALUES (1, 1, 150.00), (2, 2, 20.50), (3, 1, 99.99);
