-- The model-based figures of a customer (BG/NBD and Gamma-Gamma fitted at
-- each refresh): P(alive), expected purchases in the next 12 months,
-- expected spend per purchase and the model-based CLV, with the fitted
-- parameters they come from, as one JSON object (NULL when the models could
-- not be fitted or the customer has no purchase).
ALTER TABLE customer_analytics ADD COLUMN btyd TEXT;
