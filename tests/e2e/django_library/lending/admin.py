from django.contrib import admin

from lending.models import Book, Loan, Member


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "isbn", "copies"]
    search_fields = ["title", "isbn"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "active"]


admin.site.register(Loan)
