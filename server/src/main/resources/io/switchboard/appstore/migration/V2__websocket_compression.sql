-- Whether WebSocket clients that offer permessage-deflate get it (off until an operator turns it on).
ALTER TABLE switchboard_apps ADD COLUMN websocket_compression boolean NOT NULL DEFAULT false;
