CREATE TABLE api_keys (
	id INTEGER NOT NULL, 
	site_id VARCHAR(60) NOT NULL, 
	prefix VARCHAR(16) NOT NULL, 
	key_hash VARCHAR(64) NOT NULL, 
	label VARCHAR(200), 
	created_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (key_hash)
);
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	site_id VARCHAR(60) NOT NULL, 
	operator VARCHAR(254) NOT NULL, 
	action VARCHAR(40) NOT NULL, 
	subject VARCHAR(200), 
	details TEXT, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE digests (
	site_id VARCHAR(60) NOT NULL, 
	day DATE NOT NULL, 
	sent_at DATETIME NOT NULL, 
	PRIMARY KEY (site_id, day)
);
CREATE TABLE invitations (
	id INTEGER NOT NULL, 
	site_id VARCHAR(60) NOT NULL, 
	code VARCHAR(40) NOT NULL, 
	email VARCHAR(254), 
	tariff VARCHAR(60) NOT NULL, 
	trial_days INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME, 
	activated_at DATETIME, 
	subscriber_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (code), 
	FOREIGN KEY(subscriber_id) REFERENCES subscribers (id)
);
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	purpose VARCHAR(40) NOT NULL, 
	subscriber_id INTEGER, 
	envelope_from VARCHAR(254) NOT NULL, 
	recipients JSON NOT NULL, 
	message BLOB NOT NULL, 
	created_at DATETIME NOT NULL, 
	attempts INTEGER DEFAULT '0' NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	claimed_until DATETIME, 
	sent_at DATETIME, 
	last_error TEXT, 
	channel VARCHAR(20) DEFAULT 'email' NOT NULL, 
	target_url TEXT, 
	site_id VARCHAR(60), 
	compose JSON, 
	PRIMARY KEY (id), 
	FOREIGN KEY(subscriber_id) REFERENCES subscribers (id)
);
CREATE TABLE reminders (
	subscriber_id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	period_end DATE NOT NULL, 
	sent_at DATETIME NOT NULL, 
	PRIMARY KEY (subscriber_id, kind, period_end), 
	FOREIGN KEY(subscriber_id) REFERENCES subscribers (id)
);
CREATE TABLE schema_version (
	version INTEGER NOT NULL
);
CREATE TABLE secrets (
	name VARCHAR(40) NOT NULL, 
	value VARCHAR(200) NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE sign_in_links (
	id INTEGER NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	email VARCHAR(254) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	used_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (token_hash)
);
CREATE TABLE subscribers (
	id INTEGER NOT NULL, 
	number VARCHAR(20), 
	site_id VARCHAR(60) NOT NULL, 
	page_id VARCHAR(60) NOT NULL, 
	tariff VARCHAR(60) NOT NULL, 
	application VARCHAR(60), 
	name VARCHAR(200) NOT NULL, 
	email VARCHAR(254) NOT NULL, 
	email_key VARCHAR(254) NOT NULL, 
	phone VARCHAR(20) NOT NULL, 
	company VARCHAR(300), 
	inn VARCHAR(12), 
	status VARCHAR(20) DEFAULT 'trial' NOT NULL, 
	trial_ends DATE NOT NULL, 
	consent_at DATETIME NOT NULL, 
	created_at DATETIME NOT NULL, 
	token VARCHAR(100), 
	paid_until DATE, 
	gone_at DATETIME, 
	gone_reason TEXT, 
	extended_at DATETIME, 
	invitation_id INTEGER, 
	converted_at DATETIME, 
	gone_cause VARCHAR(40), 
	search_text TEXT, 
	news_consent_at DATETIME, 
	news_consent_text TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (number)
);
CREATE INDEX audit_log_site ON audit_log (site_id, at);
CREATE INDEX invitations_site ON invitations (site_id, created_at);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
CREATE INDEX outbox_site ON outbox (site_id, channel, id);
CREATE UNIQUE INDEX subscribers_one_active_trial ON subscribers (site_id, email_key) WHERE status = 'trial';
CREATE INDEX subscribers_site_converted ON subscribers (site_id, converted_at);
CREATE INDEX subscribers_site_created ON subscribers (site_id, created_at, page_id, invitation_id);
CREATE INDEX subscribers_site_created_search ON subscribers (site_id, created_at, id, search_text, number);
CREATE INDEX subscribers_site_ends ON subscribers (site_id, trial_ends, status, paid_until, gone_at);
CREATE INDEX subscribers_site_extended ON subscribers (site_id, extended_at);
CREATE INDEX subscribers_site_gone ON subscribers (site_id, gone_at);
CREATE INDEX subscribers_site_paid_until ON subscribers (site_id, status, paid_until);
CREATE INDEX subscribers_site_search ON subscribers (site_id, search_text, number);
CREATE INDEX subscribers_site_status ON subscribers (site_id, status, created_at);
CREATE UNIQUE INDEX subscribers_token ON subscribers (site_id, token) WHERE token IS NOT NULL;
