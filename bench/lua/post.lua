-- POST creates: a new integration per request.
wrk.method = "POST"
wrk.headers["X-API-Token"] = "prodgy_AcmeSupportDefaultToken000000001"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title": "Bench Jira", "type": "jira", "credentials": {"token": "s3cret"}}'
