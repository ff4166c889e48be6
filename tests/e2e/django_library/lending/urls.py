from django.urls import path

from lending import views

app_name = "lending"
urlpatterns = [
    path("books/", views.books, name="books"),
    path("members/<int:member_id>/loans/", views.member_loans, name="member-loans"),
    path("loans/", views.lend_book, name="lend"),
]
