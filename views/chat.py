"""The chat page: ask, read a cited answer, keep going."""

import streamlit as st

from views.shared import get_assistant

st.title("Mentor")
st.caption("Answers about mentoring from curated guidance, with every point cited.")

bot = get_assistant()
if "messages" not in st.session_state:
    st.session_state.messages = []


def render(message):
    with st.chat_message(message["role"]):
        st.markdown(message["content"])
        for c in message.get("citations", []):
            with st.expander(f"[{c['number']}] {c['title']} › {c['section']}"):
                st.text(c["text"])


for message in st.session_state.messages:
    render(message)

if question := st.chat_input("Ask about mentoring…", key="question"):
    history = [{"role": m["role"], "content": m["content"]} for m in st.session_state.messages if m["role"] == "user"]
    user = {"role": "user", "content": question}
    st.session_state.messages.append(user)
    render(user)
    answer = bot.ask(question, history=history)
    reply = {"role": "assistant", "content": answer.text, "citations": [c.model_dump() for c in answer.citations]}
    st.session_state.messages.append(reply)
    render(reply)
