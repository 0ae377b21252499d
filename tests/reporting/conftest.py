"""Shared fixtures for the reporting tests (pure modules: no app, no database)."""
import pytest


@pytest.fixture
def form_url():
    """A survey link of the length the app issues (22-character token)."""
    return "http://127.0.0.1:5000/s/Xy7kP2qL9mN4vR8tW3sZ5a"


@pytest.fixture
def poster_texts():
    """Example poster texts as the app would pass them after translation."""
    return {
        "audience_label": "家长",
        "supervisor_name": "责任督学：王建国",
        "promise_text": "本问卷匿名填写，不收集姓名、电话等任何个人信息。",
        "scan_text": "请用微信扫一扫，填写问卷",
        "closes_text": "填写截止：{year}年{month}月{day}日",
        "footer_text": "某某县人民政府教育督导室",
    }
