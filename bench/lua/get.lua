-- Authenticated GET (the URL given to wrk carries the path).
wrk.headers["X-API-Token"] = "prodgy_AcmeSupportDefaultToken000000001"
