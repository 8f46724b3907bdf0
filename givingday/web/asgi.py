"""The server's one ASGI app (`givingday serve` runs it): the Streamlit board of app.py, with the wall's routes
beside it on the same port (givingday/screens/wall.py). Imported by the server only: making the app pins Streamlit's
script path for the process."""

import streamlit as st
from streamlit import config as st_config

from givingday import config
from givingday.screens import wall

app = st.App(config.ROOT / "app.py", routes=wall.routes(st_config.get_option("server.baseUrlPath")))
