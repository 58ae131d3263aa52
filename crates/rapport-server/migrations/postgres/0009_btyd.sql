-- PostgreSQL; see migrations/sqlite/0009_btyd.sql. The model-based figures
-- of a customer (BG/NBD and Gamma-Gamma), as one JSON object.
ALTER TABLE customer_analytics ADD COLUMN btyd TEXT;
