"""The web server of Cessio: the Streamlit app (``app.py``) plus the routes that set and remove
the HttpOnly session cookie (``ui/cookie_routes.py``, docs/security.md).

Start it with ``streamlit run serve.py`` (``make run`` does); ``streamlit run app.py`` still
works, but a login then lasts only as long as the browser tab. In production mode the server
refuses to start while the installation is not safe to expose (``core.auth.production``).
"""

import streamlit as st

from core.auth.production import refuse_unsafe_start
from core.i18n import N_
from ui.cookie_routes import routes

refuse_unsafe_start(N_("web server"))
app = st.App("app.py", routes=routes())
