"""gunicorn's settings: `gunicorn -c config/gunicorn.py config.wsgi` (Procfile, README).

The access log names the path but never the query string or the referrer: client searches
(`?q=…`) and whatever else is typed into a GET form would otherwise land in log files, which are
not kept the way health information must be."""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
